package org.stargzstore.fs.fetch;

/**
 * Lets on-demand fetches jump the queue: background streams pause between units while any
 * on-demand fetch is under way, so a container's first reads get the link to themselves.
 */
public final class DemandGate {
  private int demandInFlight;

  synchronized void enter() {
    demandInFlight++;
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
