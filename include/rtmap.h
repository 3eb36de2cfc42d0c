/* rtmap: the hash map of a language runtime. Umbrella header. */
#ifndef RTMAP_H
#define RTMAP_H

#include "rtmap/experiment.h"
#include "rtmap/abi.h"
#include "rtmap/runtime.h"
#include "rtmap/reflect.h"
#include "rtmap/hooks.h"
#include "rtmap/hash.h"

#endif /* RTMAP_H */
