#!/bin/sh
# the daemon's launcher with the native heap trimmer off (A/B of the launcher default)
SRS_JAVA_OPTS="${SRS_JAVA_OPTS:-} -XX:TrimNativeHeapInterval=0" exec /work/main/bin/stargz-registry-storage "$@"
