package org.stargzstore.estargz.layer;

/** Which prefetch landmark a layer carries (eStargz {@code .prefetch.landmark} et al.). */
public enum Landmark {
  /** No landmark: nothing is marked for prefetch. */
  NONE,
  /** {@code .prefetch.landmark}: the entries before it are what the workload reads first. */
  PREFETCH,
  /** {@code .no.prefetch.landmark}: the producer asked that nothing be prefetched. */
  NO_PREFETCH
}
