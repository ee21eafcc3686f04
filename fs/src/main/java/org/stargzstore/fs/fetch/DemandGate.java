package org.stargzstore.fs.fetch;

/**
 * Lets on-demand fetches jump the queue: the background's bulk phases (small files, everything)
 * start only once no container has fetched for {@code background_quiet} (a demand fetch in
 * flight counts as activity), and with {@code yield_to_demand} a background stream also pauses
 * before each piece while any on-demand fetch is under way, so a container's first reads get the
 * link to themselves.
 */
public final class DemandGate {
  private int demandInFlight;
  private long lastActivityNanos;
  private boolean anyActivity;

  synchronized void enter() {
    demandInFlight++;
  }

  /**
   * A container's read or a prediction of it (entrypoint, read-ahead) went out just now, or a
   * layer opened: every fetch request except the background's passes here.
   */
  synchronized void noteActivity() {
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
