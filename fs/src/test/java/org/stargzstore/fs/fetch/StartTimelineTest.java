package org.stargzstore.fs.fetch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.stargzstore.fs.fetch.StartTimeline.Milestone;

/**
 * The timeline keeps what it promises with fixed memory: the first time of a milestone, the
 * latest read, each reason's first start and last end, and exactly the 16 longest waits however
 * many readers record at once.
 */
class StartTimelineTest {

  @Test
  void milestonesKeepTheFirstTimeAndReadsTheFirstAndTheLast() {
    AtomicLong clock = new AtomicLong(1_000);
    StartTimeline t = new StartTimeline(clock::get);
    t.mark(Milestone.TOC_REQUESTED);
    clock.set(2_000);
    t.mark(Milestone.TOC_REQUESTED);
    t.fileRead();
    clock.set(3_000);
    t.fileRead();
    assertEquals(1_000, t.at(Milestone.TOC_REQUESTED));
    assertEquals(2_000, t.at(Milestone.FIRST_READ));
    assertEquals(3_000, t.at(Milestone.LAST_READ));
    assertEquals(0, t.at(Milestone.PROFILE_ARRIVED));
    assertFalse(t.milestones().containsKey(Milestone.PROFILE_ARRIVED));
  }

  @Test
  void phasesRecordTheFirstStartTheLastEndAndTheRequests() {
    AtomicLong clock = new AtomicLong(10);
    StartTimeline t = new StartTimeline(clock::get);
    t.requestStarted(FetchReason.PRIORITIZED);
    clock.set(20);
    t.requestStarted(FetchReason.PRIORITIZED);
    clock.set(50);
    t.requestEnded(FetchReason.PRIORITIZED);
    clock.set(40);
    t.requestEnded(FetchReason.PRIORITIZED);
    StartTimeline.Phase p = t.phases().get(FetchReason.PRIORITIZED);
    assertEquals(new StartTimeline.Phase(10, 50, 2), p);
    assertFalse(t.phases().containsKey(FetchReason.DEMAND));
  }

  @Test
  void keepsExactlyTheLongestWaitsFromConcurrentReaders() throws Exception {
    StartTimeline t = new StartTimeline();
    int threads = 8;
    int perThread = 2_000;
    List<Long> all = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> started = new ArrayList<>();
    for (int i = 0; i < threads; i++) {
      int seed = i;
      Thread th = new Thread(() -> {
        java.util.Random rnd = new java.util.Random(seed);
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        for (int n = 0; n < perThread; n++) {
          long ms = rnd.nextInt(1_000_000);
          all.add(ms);
          t.waited(new StartTimeline.Wait("f" + seed, n, ms, 1, "own-request"));
        }
      });
      th.start();
      started.add(th);
    }
    go.countDown();
    for (Thread th : started) {
      th.join();
    }
    List<Long> expected = new ArrayList<>(all);
    expected.sort(Collections.reverseOrder());
    List<Long> kept = t.longestWaits().stream().map(StartTimeline.Wait::millis).toList();
    assertEquals(StartTimeline.MAX_WAITS, kept.size());
    assertEquals(expected.subList(0, StartTimeline.MAX_WAITS), kept);
  }

  @Test
  void fewerWaitsThanTheBoundAreAllKeptLongestFirst() {
    StartTimeline t = new StartTimeline();
    for (long ms : new long[] {5, 50, 1, 50, 7}) {
      t.waited(new StartTimeline.Wait("f", 0, ms, 0, "in-flight:predicted"));
    }
    assertEquals(List.of(50L, 50L, 7L, 5L, 1L),
        t.longestWaits().stream().map(StartTimeline.Wait::millis).toList());
    assertTrue(t.longestWaits().stream().allMatch(w -> w.waitedFor().equals("in-flight:predicted")));
  }
}
