package org.stargzstore.fs.fetch;

/**
 * Lets on-demand fetches jump the queue: background streams pause between units while any
 * on-demand fetch is under way, so a container's first reads get the link to themselves.
 */
public final class DemandGate {
  private int demandInFlight;
  private long lastDemandNanos;
  private boolean anyDemand;

  synchronized void enter() {
    demandInFlight++;
    lastDemandNanos = System.nanoTime();
    anyDemand = true;
  }

  /** A container's read or a prediction of it (entrypoint, read-ahead) went out just now. */
  synchronized void noteActivity() {
    lastDemandNanos = System.nanoTime();
    anyDemand = true;
  }

  /** How long ago the last on-demand fetch started (0 while one runs; MAX_VALUE if none yet). */
  synchronized long nanosSinceDemand() {
    if (demandInFlight > 0) {
      return 0;
    }
    return anyDemand ? System.nanoTime() - lastDemandNanos : Long.MAX_VALUE;
  }

  synchronized void leave() {
    if (--demandInFlight == 0) {
      notifyAll();
    }
  }

  /** Blocks a background stream while demand fetches run, unless {@code job} became urgent. */
  synchronized void awaitNoDemand(FetchJob job) throws InterruptedException {
    while (demandInFlight > 0 && !job.urgent) {
      wait(50);
    }
  }

  public synchronized int demandInFlight() {
    return demandInFlight;
  }
}
