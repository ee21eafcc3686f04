package org.stargzstore.fs.fetch;

/**
 * Lets on-demand fetches jump the queue: the background's bulk phases (small files, everything)
 * start only once no container has fetched, or opened a file for the first time, for
 * {@code background_quiet} (a demand fetch in flight counts as activity), and with
 * {@code yield_to_demand} a background stream also pauses before each piece while any on-demand
 * fetch is under way, so a container's first reads get the link to themselves.
 */
public final class DemandGate {
  private int demandInFlight;
  /** Written without the lock: a container's first open of a file passes here. */
  private volatile long lastActivityNanos;
  private volatile boolean anyActivity;

  synchronized void enter() {
    demandInFlight++;
  }

  /**
   * A container's read or a prediction of it (entrypoint, read-ahead) went out just now, a
   * layer opened, or a container opened a file for the first time: every fetch request except
   * the background's passes here.
   */
  void noteActivity() {
    lastActivityNanos = System.nanoTime();
    anyActivity = true;
  }

  /** How long ago the last activity was (0 while a demand fetch runs; MAX_VALUE if none yet). */
  synchronized long nanosSinceActivity() {
    if (demandInFlight > 0) {
      return 0;
    }
    return anyActivity ? System.nanoTime() - lastActivityNanos : Long.MAX_VALUE;
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
}
