package io.github.pager.protectedpages;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.allocator.PageWriter;
import io.github.pager.allocator.SubPageAllocator;
import io.github.pager.allocator.SubPageId;
import io.github.pager.core.Durability;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Snapshot;
import io.github.pager.core.Transaction;
import io.github.pager.testkit.CrashExplorer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Snapshots under a write load, in one process: a writer commits allocations, frees, root values,
 * sub-page changes and protected rewrites for a few seconds (a minute with {@code
 * -Dpager.soak=true}); reader threads take snapshots, hold each across several commits, and check
 * that everything they read through it equals the model of its commit. Zero mismatches and zero
 * exceptions. The seed is printed; {@code -Dpager.seed=N} replays the writer's choices (not the
 * threads' timing).
 */
class SnapshotStressTest {
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
  private static final int SUB_SLOT = 10;
  private static final int SUB_SIZE = 256;
  private static final int PROTECTED_SLOT = 20;
  private static final int READERS = 3;

  @TempDir Path dir;

  /** What a commit holds, as the writer acknowledged it. */
  record Model(
      long generation,
      Map<Long, Long> pages,
      Map<Long, Long> subPages,
      Map<Long, Long> protectedPages,
      long[] roots) {}

  private final Map<Long, Model> acknowledged = new ConcurrentHashMap<>();

  @Test
  void readersHoldingSnapshotsAlwaysSeeTheirCommit() throws Exception {
    long seed = CrashExplorer.defaultSeed();
    long millis = CrashExplorer.soak() ? 60_000 : 3_000;
    try (Pager pager = Pager.create(dir.resolve("stress.pages"), PagerOptions.defaults().withDurability(Durability.NONE))) {
      SubPageAllocator sub = SubPageAllocator.open(pager, SUB_SLOT, SUB_SIZE);
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, PROTECTED_SLOT);
      record(pager, new TreeMap<>(), new TreeMap<>(), new TreeMap<>());
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong checks = new AtomicLong();
      ExecutorService readers = Executors.newFixedThreadPool(READERS);
      List<Future<?>> running = new ArrayList<>();
      for (int r = 0; r < READERS; r++) {
        running.add(readers.submit(() -> {
          while (!stop.get()) {
            read(pager, sub, pages, stop);
            checks.incrementAndGet();
          }
          return null;
        }));
      }
      long commits;
      try {
        commits = write(pager, sub, pages, new SplittableRandom(seed), millis);
      } finally {
        stop.set(true);
        readers.shutdown();
      }
      for (Future<?> reader : running) {
        reader.get(60, TimeUnit.SECONDS); // rethrows a reader's mismatch or exception
      }
      System.out.printf("[snapshot stress] %d commits, %d snapshots checked, seed %d (-Dpager.seed=%d)%n",
          commits, checks.get(), seed, seed);
      assertThat(checks.get()).as("snapshots checked").isGreaterThan(READERS);
      assertThat(pager.openSnapshots()).isZero();
      pages.verify();
      assertThat(sub.verify()).isEmpty();
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  /** Commits random changes until the time is up; returns how many commits it made. */
  private long write(Pager pager, SubPageAllocator sub, ProtectedPageAllocator pages, SplittableRandom random, long millis)
      throws IOException {
    TreeMap<Long, Long> userPages = new TreeMap<>();
    TreeMap<Long, Long> subPages = new TreeMap<>();
    TreeMap<Long, Long> protectedPages = new TreeMap<>();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
    long commits = 0;
    while (System.nanoTime() < deadline) {
      try (ProtectedTransaction ptx = pages.begin()) {
        Transaction tx = ptx.pagerTransaction();
        List<Long> committedPages = new ArrayList<>(userPages.keySet());
        List<Long> committedSubs = new ArrayList<>(subPages.keySet());
        List<Long> committedProtected = new ArrayList<>(protectedPages.keySet());
        for (int change = random.nextInt(1, 8); change > 0; change--) {
          long stamp = random.nextLong();
          switch (random.nextInt(7)) {
            case 0 -> {
              // A user page is written once, when allocated, and never in place afterwards.
              PageId id = tx.alloc();
              pager.page(id).putLong(0, stamp);
              userPages.put(id.index(), stamp);
            }
            case 1 -> {
              if (!committedPages.isEmpty()) {
                long victim = committedPages.remove(random.nextInt(committedPages.size()));
                tx.free(pager.pageId(victim));
                userPages.remove(victim);
              }
            }
            case 2 -> tx.setRoot(random.nextInt(4), stamp);
            case 3 -> {
              SubPageId id = sub.alloc(tx);
              try (PageWriter writer = id.write(sub)) {
                writer.segment().set(LONG, 0, stamp); // made durable by the transaction's commit
              }
              subPages.put(id.value(), stamp);
            }
            case 4 -> {
              if (!committedSubs.isEmpty()) {
                long victim = committedSubs.remove(random.nextInt(committedSubs.size()));
                sub.freeBulk(tx, List.of(sub.handle(victim)));
                subPages.remove(victim);
              }
            }
            case 5 -> {
              if (committedProtected.isEmpty() || random.nextInt(4) == 0) {
                ProtectedPageId id = ptx.alloc();
                ptx.write(id).set(LONG, 0, stamp);
                protectedPages.put(id.value(), stamp);
              } else {
                long target = committedProtected.get(random.nextInt(committedProtected.size()));
                ptx.write(pages.handle(target)).set(LONG, 0, stamp);
                protectedPages.put(target, stamp);
              }
            }
            default -> {
              if (!committedProtected.isEmpty()) {
                long victim = committedProtected.remove(random.nextInt(committedProtected.size()));
                ptx.free(pages.handle(victim));
                protectedPages.remove(victim);
              }
            }
          }
        }
        ptx.commit();
      }
      commits++;
      record(pager, userPages, subPages, protectedPages);
    }
    return commits;
  }

  private void record(Pager pager, Map<Long, Long> userPages, Map<Long, Long> subPages, Map<Long, Long> protectedPages) {
    long[] roots = new long[4];
    for (int slot = 0; slot < roots.length; slot++) {
      roots[slot] = pager.root(slot);
    }
    long generation = pager.generation();
    acknowledged.put(generation, new Model(generation, Map.copyOf(userPages), Map.copyOf(subPages),
        Map.copyOf(protectedPages), roots));
  }

  /** Takes a snapshot, checks it, holds it across a few commits, checks it again. */
  private void read(Pager pager, SubPageAllocator sub, ProtectedPageAllocator pages, AtomicBoolean stop)
      throws IOException, InterruptedException {
    try (Snapshot snapshot = pager.snapshot()) {
      Model model = awaitModel(snapshot.generation());
      check(snapshot, model, sub, pages);
      long until = snapshot.generation() + 5;
      while (pager.generation() < until && !stop.get()) {
        Thread.sleep(1);
      }
      check(snapshot, model, sub, pages);
    }
  }

  private Model awaitModel(long generation) throws InterruptedException {
    // The writer records a commit's model right after the commit returns.
    for (int tries = 0; tries < 10_000; tries++) {
      Model model = acknowledged.get(generation);
      if (model != null) {
        return model;
      }
      Thread.sleep(1);
    }
    throw new AssertionError("no model recorded for generation " + generation);
  }

  private static void check(Snapshot snapshot, Model model, SubPageAllocator sub, ProtectedPageAllocator pages)
      throws IOException {
    String at = "snapshot of generation " + model.generation();
    for (int slot = 0; slot < model.roots().length; slot++) {
      assertThat(snapshot.root(slot)).as("%s: root %d", at, slot).isEqualTo(model.roots()[slot]);
    }
    for (Map.Entry<Long, Long> page : model.pages().entrySet()) {
      PageId id = snapshot.pageId(page.getKey());
      assertThat(snapshot.isAllocated(id)).as("%s: page %d allocated", at, page.getKey()).isTrue();
      assertThat(snapshot.page(id).getLong(0)).as("%s: page %d", at, page.getKey()).isEqualTo(page.getValue());
    }
    Map<Long, Long> subs = new HashMap<>();
    var used = snapshot.readBitmap(SUB_SLOT + 1);
    for (long value = used.nextSet(0); value >= 0; value = used.nextSet(value + 1)) {
      long parent = value / sub.subPagesPerPage();
      long offset = (value % sub.subPagesPerPage()) * SUB_SIZE;
      subs.put(value, snapshot.page(snapshot.pageId(parent)).segment().get(LONG, offset));
    }
    assertThat(subs).as("%s: sub-pages", at).isEqualTo(model.subPages());
    Map<Long, Long> protectedSeen = new HashMap<>();
    ProtectedSnapshot view = pages.at(snapshot);
    view.forEachAllocated(id -> {
      try {
        protectedSeen.put(id.value(), MemorySegment.ofArray(view.get(id)).get(LONG, 0));
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
    assertThat(protectedSeen).as("%s: protected pages", at).isEqualTo(model.protectedPages());
  }
}
