package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.storage.FileStorage;
import io.github.pager.core.storage.ForwardingStorage;
import io.github.pager.core.storage.Storage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Group commit on a real file: commits that threads seal while a flush runs share the next flush,
 * each returns only once its own commit is durable, and a failed flush fails every member of its
 * group. The groups are made deterministic by holding the first flush's sync until the other
 * threads' commits are queued ({@link Pager#commitsAwaitingFlush()}).
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES) // a hang guard, not a speed check
class GroupCommitTest {
  private static final PagerOptions OPTIONS = PagerOptions.defaults().withInitialPageCount(256);
  private static final int FOLLOWERS = 4;

  @TempDir Path dir;

  @Test
  void commitsSealedDuringAFlushAreMadeDurableTogetherByTheNextOne() throws Exception {
    Path path = dir.resolve("pages.db");
    Pager.create(path, OPTIONS).close();
    GatedSyncs storage = new GatedSyncs(FileStorage.open(path, false));
    Set<Long> pages = ConcurrentHashMap.newKeySet();
    try (Pager pager = Pager.open(storage, OPTIONS)) {
      PagerCounters before = pager.counters();
      List<Throwable> failures = duringTheFlushOf(
          () -> pages.add(pager.alloc().index()), storage, pager, () -> pages.add(pager.alloc().index()));
      assertThat(failures).isEmpty();

      PagerCounters work = pager.counters().minus(before);
      assertThat(pages).hasSize(FOLLOWERS + 1);
      assertThat(work.commits()).isEqualTo(FOLLOWERS + 1);
      assertThat(work.groups()).as("the first commit's flush, then one for all the others").isEqualTo(2);
      assertThat(work.groupedCommits()).isEqualTo(FOLLOWERS + 1);
      assertThat(work.records()).as("a group writes its newest record only").isEqualTo(2);
      assertThat(work.syncs()).as("two flushes of two syncs each").isEqualTo(4);
      assertThat(pager.verify().problems()).isEmpty();
    }
    try (Pager reopened = Pager.open(path, OPTIONS)) {
      assertThat(reopened.allocatedPages()).extracting(PageId::index).containsExactlyInAnyOrderElementsOf(pages);
      assertThat(reopened.verify().problems()).isEmpty();
    }
  }

  @Test
  void aFailedGroupFlushFailsEveryMemberAndThePagerRefusesFurtherWork() throws Exception {
    Path path = dir.resolve("pages.db");
    Pager.create(path, OPTIONS).close();
    GatedSyncs storage = new GatedSyncs(FileStorage.open(path, false));
    storage.failSyncAll = 2; // the followers' flush
    long[] first = new long[1];
    try (Pager pager = Pager.open(storage, OPTIONS)) {
      List<Throwable> failures = duringTheFlushOf(() -> first[0] = pager.alloc().index(), storage, pager, pager::alloc);
      assertThat(failures).hasSize(FOLLOWERS).allMatch(failure -> failure instanceof PagerUnavailableException);
      assertThatThrownBy(pager::alloc).isInstanceOf(PagerUnavailableException.class);
    }
    try (Pager reopened = Pager.open(path, OPTIONS)) {
      assertThat(reopened.allocatedPages())
          .as("the acknowledged commit, and none of the group whose flush failed")
          .extracting(PageId::index)
          .containsExactly(first[0]);
    }
  }

  @Test
  void aCommitSealedBeforeTheLastDurableOneCannotReuseWhatThatOneStillReferences() throws Exception {
    // The first commit frees a page; the followers seal while it is not durable yet. The freed
    // page is still the durable commit's, so none of them may get it, although the commit that
    // freed it is sealed: only once a commit after it is durable.
    Path path = dir.resolve("pages.db");
    try (Pager pager = Pager.create(path, OPTIONS)) {
      pager.allocBulk(8);
    }
    GatedSyncs storage = new GatedSyncs(FileStorage.open(path, false));
    Set<Long> handedOut = ConcurrentHashMap.newKeySet();
    try (Pager pager = Pager.open(storage, OPTIONS)) {
      Set<Long> treeBefore = pager.treeNodePagesForTests();
      PageId freed = pager.allocatedPages().get(3);
      List<Throwable> failures =
          duringTheFlushOf(() -> pager.free(freed), storage, pager, () -> handedOut.add(pager.alloc().index()));
      assertThat(failures).isEmpty();
      assertThat(handedOut).doesNotContain(freed.index()).doesNotContainAnyElementsOf(treeBefore);
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  @Test
  void aPageFreedByTheLastDurableCommitStaysPendingWhileTheCommitAfterItIsNotDurable() throws Exception {
    // The last durable commit D freed a page: D's alternate copy, D - 1, still reaches it, and
    // open falls back to D - 1 when D is damaged. It may be handed out only once D + 1 is durable,
    // so not to the followers, which seal while D + 1 is being flushed.
    Path path = dir.resolve("pages.db");
    try (Pager pager = Pager.create(path, OPTIONS)) {
      pager.allocBulk(8);
    }
    GatedSyncs storage = new GatedSyncs(FileStorage.open(path, false));
    Set<Long> handedOut = ConcurrentHashMap.newKeySet();
    try (Pager pager = Pager.open(storage, OPTIONS)) {
      PageId freed = pager.allocatedPages().get(3);
      pager.free(freed); // commit D
      // Commit D + 1, flushed while the followers seal.
      List<Throwable> failures = duringTheFlushOf(
          () -> handedOut.add(pager.alloc().index()), storage, pager, () -> handedOut.add(pager.alloc().index()));
      assertThat(failures).isEmpty();
      assertThat(handedOut).hasSize(FOLLOWERS + 1).doesNotContain(freed.index());
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  @Test
  void manyThreadsCommittingAtOnceLoseNothingAndShareFlushes() throws Exception {
    long seed = new SplittableRandom().nextLong();
    System.out.println("[group commit stress] seed " + seed + " (-Dpager.seed=" + seed + ")");
    long replay = Long.getLong("pager.seed", seed);
    Path path = dir.resolve("pages.db");
    int threads = 8;
    int operations = 60;
    List<Set<Long>> owned = new ArrayList<>();
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    PagerCounters work;
    try (Pager pager = Pager.create(path, OPTIONS)) {
      PagerCounters before = pager.counters();
      List<Thread> workers = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        Set<Long> mine = new HashSet<>();
        owned.add(mine);
        SplittableRandom random = new SplittableRandom(replay + t);
        workers.add(Thread.ofPlatform().start(() -> {
          try {
            for (int i = 0; i < operations; i++) {
              mutate(pager, mine, random);
            }
          } catch (Throwable e) {
            failures.add(e);
          }
        }));
      }
      for (Thread worker : workers) {
        worker.join();
      }
      assertThat(failures).isEmpty();
      work = pager.counters().minus(before);
      assertThat(pager.verify().problems()).isEmpty();
    }
    System.out.println("[group commit stress] " + work.groupedCommits() + " commits in " + work.groups() + " flushes");
    Set<Long> expected = new HashSet<>();
    owned.forEach(expected::addAll);
    try (Pager reopened = Pager.open(path, OPTIONS)) {
      assertThat(reopened.allocatedPages()).extracting(PageId::index).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(reopened.verify().problems()).isEmpty();
    }
  }

  /** One commit of a worker: an alloc, a free of one of its pages, or both in one transaction. */
  private static void mutate(Pager pager, Set<Long> mine, SplittableRandom random) throws IOException {
    int choice = random.nextInt(3);
    if (mine.isEmpty() || choice == 0) {
      mine.add(pager.alloc().index());
    } else if (choice == 1) {
      long page = mine.iterator().next();
      pager.free(pager.pageId(page));
      mine.remove(page);
    } else {
      long page = mine.iterator().next();
      try (Transaction tx = pager.begin()) {
        PageId fresh = tx.alloc();
        tx.free(pager.pageId(page));
        tx.commit();
        mine.remove(page);
        mine.add(fresh.index());
      }
    }
  }

  /** A durable operation a follower runs. */
  @FunctionalInterface
  interface IoAction {
    void run() throws IOException;
  }

  /**
   * Runs {@code leader}, one commit. While its flush holds its first sync, {@value #FOLLOWERS}
   * threads each run {@code follower} and queue their commits for the next flush. Returns what the
   * followers threw, once every one has returned.
   */
  private static List<Throwable> duringTheFlushOf(IoAction leader, GatedSyncs storage, Pager pager, IoAction follower)
      throws Exception {
    List<Throwable> failures = new CopyOnWriteArrayList<>();
    List<Thread> followers = new ArrayList<>();
    storage.beforeSyncAll(1, () -> {
      followers.addAll(startFollowers(FOLLOWERS, follower, failures));
      awaitQueued(pager, FOLLOWERS);
    });
    leader.run();
    for (Thread thread : followers) {
      thread.join();
    }
    return failures;
  }

  private static List<Thread> startFollowers(int count, IoAction action, List<Throwable> failures) {
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      threads.add(Thread.ofPlatform().start(() -> {
        try {
          action.run();
        } catch (Throwable e) {
          failures.add(e);
        }
      }));
    }
    return threads;
  }

  private static void awaitQueued(Pager pager, int count) {
    while (pager.commitsAwaitingFlush() < count) {
      Thread.onSpinWait();
    }
  }

  /** A real storage that runs an action before a chosen whole-file sync, or fails that sync. */
  static final class GatedSyncs extends ForwardingStorage {
    private int syncAllCalls;
    private int gatedCall;
    private @Nullable IoAction gate;
    volatile int failSyncAll;

    GatedSyncs(Storage delegate) {
      super(delegate);
    }

    synchronized void beforeSyncAll(int call, IoAction action) {
      gatedCall = syncAllCalls + call;
      gate = action;
    }

    @Override
    public void syncAll() throws IOException {
      int call;
      IoAction action = null;
      synchronized (this) {
        call = ++syncAllCalls;
        if (call == gatedCall) {
          action = gate;
          gate = null;
        }
      }
      if (action != null) {
        action.run();
      }
      if (call == failSyncAll) {
        throw new IOException("injected: Input/output error");
      }
      super.syncAll();
    }
  }
}
