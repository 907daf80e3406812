package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import io.github.pager.core.storage.ForwardingStorage;
import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Group commit under the crash explorer: commits of several threads flushed together. The main
 * thread commits; while its flush syncs, {@value #FOLLOWERS} other threads each seal a commit (an
 * allocation with a stamp, and a free of a page from an earlier round), one after the other so
 * that the run is the same every time; then they flush as one group.
 *
 * <p>A crash anywhere must leave the acknowledged state or the one in flight: while the main
 * thread's flush runs, its commit (the followers' sealed commits must not have touched anything
 * the durable commit reaches); while the group's flush runs, the whole group. No acknowledged
 * member is lost, and no partial group is ever visible.
 */
class GroupCommitCrashTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults().withPageSize(1024).withInitialPageCount(64);
  private static final int FOLLOWERS = 3;
  private static final int ROUNDS = 4;

  @Test
  void noAcknowledgedMemberIsLostAndNoPartialGroupIsVisible() {
    CrashExploration result =
        CrashExplorer.of("grouped commits", GroupCommitCrashTest::groupedCommits, PagerCheck.standard(OPTIONS))
            .explore()
            .assertNoViolations();
    assertThat(result.coverage().acknowledgedWithCrashPoints())
        .as("create, then each round's first commit and its group, and the close")
        .isEqualTo(2L * ROUNDS + 2);
  }

  private static void groupedCommits(CrashContext<PagerState> context) throws Exception {
    GatedSyncs storage = new GatedSyncs(context.storage());
    PagerState state = PagerState.empty();
    context.inFlight(state);
    Pager pager = Pager.create(storage, OPTIONS);
    context.acknowledge(state);
    try (pager) {
      List<List<Long>> owned = new ArrayList<>();
      for (int i = 0; i < FOLLOWERS; i++) {
        owned.add(new ArrayList<>());
      }
      for (int round = 0; round < ROUNDS; round++) {
        Follower[] followers = new Follower[FOLLOWERS];
        CountDownLatch groupMayFlush = new CountDownLatch(1);
        int stampBase = round * 100 + 50;
        storage.beforeSyncAll(1, () -> {
          // Inside the main thread's flush: each follower seals in turn, then waits for it.
          for (int i = 0; i < FOLLOWERS; i++) {
            List<Long> mine = owned.get(i);
            followers[i] = new Follower(pager, mine.isEmpty() ? -1 : mine.removeFirst(), stampBase + i + 1);
            followers[i].thread.start();
            while (pager.commitsAwaitingFlush() < i + 1) {
              Thread.onSpinWait();
            }
          }
        });
        storage.beforeSyncAll(2, groupMayFlush::await);

        PagerState next;
        try (Transaction tx = pager.begin()) {
          PageId page = tx.alloc();
          next = state.withAllocated(page.index()).stamp(pager, page, stampBase);
          context.inFlight(next);
          tx.commit();
        }
        state = next;
        context.acknowledge(state);

        // Every follower is sealed; their group flushes once the model knows it is in flight.
        PagerState group = state;
        for (int i = 0; i < FOLLOWERS; i++) {
          Follower follower = followers[i];
          group = group.withAllocated(follower.allocated).withStamp(follower.allocated, follower.stamp);
          if (follower.freed >= 0) {
            group = group.withFreed(follower.freed);
          }
          owned.get(i).add(follower.allocated);
        }
        context.inFlight(group);
        groupMayFlush.countDown();
        for (Follower follower : followers) {
          follower.join();
        }
        state = group;
        context.acknowledge(state);
      }
      context.inFlight(state);
    }
    context.acknowledge(state);
  }

  /** A thread that commits one allocation (stamped) and maybe one free, then waits for its group. */
  private static final class Follower {
    final Thread thread;
    final long freed;
    final long stamp;
    volatile long allocated = -1;
    volatile @Nullable Throwable failure;

    Follower(Pager pager, long freed, long stamp) {
      this.freed = freed;
      this.stamp = stamp;
      this.thread = Thread.ofPlatform().unstarted(() -> {
        try (Transaction tx = pager.begin()) {
          PageId page = tx.alloc();
          pager.page(page).putLong(0, stamp);
          if (freed >= 0) {
            tx.free(pager.pageId(freed));
          }
          allocated = page.index();
          tx.commit();
        } catch (Throwable e) {
          failure = e;
        }
      });
    }

    void join() throws Exception {
      thread.join();
      Throwable failed = failure;
      if (failed != null) {
        throw new AssertionError("a member of the group failed: " + failed, failed);
      }
    }
  }

  /** A wait or an action run before a whole-file sync. */
  @FunctionalInterface
  private interface Gate {
    void run() throws Exception;
  }

  /** Runs a gate before chosen whole-file syncs, counted from when the gate was set. */
  private static final class GatedSyncs extends ForwardingStorage {
    private final List<long[]> calls = new ArrayList<>();
    private final List<Gate> gates = new ArrayList<>();
    private long syncAllCalls;

    GatedSyncs(Storage delegate) {
      super(delegate);
    }

    synchronized void beforeSyncAll(int call, Gate gate) {
      calls.add(new long[] {syncAllCalls + call});
      gates.add(gate);
    }

    @Override
    public void syncAll() throws IOException {
      Gate gate = null;
      synchronized (this) {
        syncAllCalls++;
        for (int i = 0; i < calls.size(); i++) {
          if (calls.get(i)[0] == syncAllCalls) {
            calls.remove(i);
            gate = gates.remove(i);
            break;
          }
        }
      }
      if (gate != null) {
        try {
          gate.run();
        } catch (Exception e) {
          throw new IOException("the test's gate failed", e);
        }
      }
      super.syncAll();
    }
  }
}
