package io.github.pager.allocator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.DoubleFreeException;
import io.github.pager.core.Durability;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Random sequences of alloc, free, bulk, bulk-with-a-bad-handle, write, mixed-transaction and
 * reopen operations on regular pages and sub-pages, checked after each step against a plain
 * in-memory model: the allocated sets, every live handle's content, both allocators' own checks,
 * and an account of every allocated page of the file.
 *
 * <p>Each case prints its seed when it fails; run it again with {@code -Dpager.seed=SEED}.
 * {@code -Dpager.soak=true} runs many more and longer cases.
 */
class AllocatorPropertyTest {
  private static final boolean SOAK = Boolean.getBoolean("pager.soak");

  @TempDir Path dir;

  @Test
  void regularPagesMatchTheModel() throws Exception {
    runCases("regular", true);
  }

  @Test
  void subPagesOfEachSizeMatchTheModel() throws Exception {
    runCases("sub", false, 64);
    runCases("sub", false, 512);
    runCases("sub", false, 2048);
  }

  @Test
  void twoSubPageSizesAndRegularPagesShareAFile() throws Exception {
    runCases("shared", true, 64, 1024);
  }

  private void runCases(String name, boolean regular, int... subSizes) throws Exception {
    // One file per case: a fixed seed runs every size with the same seed.
    StringBuilder label = new StringBuilder(name);
    for (int size : subSizes) {
      label.append('-').append(size);
    }
    String fixed = System.getProperty("pager.seed");
    if (fixed != null && !fixed.isBlank()) {
      runCase(label.toString(), Long.parseLong(fixed.strip()), SOAK ? 3000 : 600, regular, subSizes);
      return;
    }
    SplittableRandom seeds = new SplittableRandom();
    int cases = SOAK ? 100 : 4;
    for (int i = 0; i < cases; i++) {
      runCase(label.toString(), seeds.nextLong(), SOAK ? 2000 : 250, regular, subSizes);
    }
  }

  private void runCase(String name, long seed, int steps, boolean regular, int... subSizes) throws Exception {
    Path file = dir.resolve(name + "-" + Long.toHexString(seed) + ".db");
    try {
      new Case(seed, file, regular, subSizes).run(steps);
    } catch (AssertionError | Exception e) {
      throw new AssertionError(
          "case " + name + " failed with seed " + seed + " (replay: -Dpager.seed=" + seed + ")", e);
    }
  }

  @FunctionalInterface
  private interface Opener<A> {
    A open(Pager pager) throws IOException;
  }

  /**
   * One allocator under test and its model: live handle value to the stamp written at both ends
   * of its bytes. Works on values, as a caller that stores handles in pages would.
   */
  private static final class Target<H extends PageHandle<A>, A extends BulkPageAllocator<H>> {
    final String name;
    final Opener<A> opener;
    final TreeMap<Long, Long> model = new TreeMap<>();
    A allocator;

    Target(String name, Opener<A> opener, Pager pager) throws IOException {
      this.name = name;
      this.opener = opener;
      this.allocator = opener.open(pager);
    }

    void reopen(Pager pager) throws IOException {
      allocator = opener.open(pager);
    }

    H handle(long value) throws IOException {
      return allocator.handle(value);
    }

    List<H> handles(List<Long> values) throws IOException {
      List<H> handles = new ArrayList<>();
      for (long value : values) {
        handles.add(handle(value));
      }
      return handles;
    }

    void stamp(H handle, long stamp) throws IOException {
      try (PageWriter writer = handle.write(allocator)) {
        MemorySegment bytes = writer.segment();
        bytes.set(ValueLayout.JAVA_LONG_UNALIGNED, 0, stamp);
        bytes.set(ValueLayout.JAVA_LONG_UNALIGNED, bytes.byteSize() - 8, ~stamp);
        writer.commit();
      }
      model.put(handle.value(), stamp);
    }

    void checkContents() throws IOException {
      for (Map.Entry<Long, Long> entry : model.entrySet()) {
        MemorySegment bytes = handle(entry.getKey()).read(allocator);
        long head = bytes.get(ValueLayout.JAVA_LONG_UNALIGNED, 0);
        long tail = bytes.get(ValueLayout.JAVA_LONG_UNALIGNED, bytes.byteSize() - 8);
        if (head != entry.getValue() || tail != ~entry.getValue()) {
          throw new AssertionError(
              name + " value " + entry.getKey() + " holds " + head + "/" + ~tail + ", expected " + entry.getValue());
        }
      }
    }

    /** A handle for a live value, made by another instance of the same allocator. */
    H foreign(Pager pager, long value) throws IOException {
      return opener.open(pager).handle(value);
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** One random run: a pager, the allocators on it, their models, and the random source. */
  private static final class Case {
    private final SplittableRandom random;
    private final Path path;
    private final PagerOptions options;
    private final List<Target<?, ?>> targets = new ArrayList<>();
    private final @Nullable Target<RegularPage, RegularPageAllocator> regular;
    private final List<Target<SubPageId, SubPageAllocator>> subs = new ArrayList<>();
    private long nextStamp = 1;
    private Pager pager;

    Case(long seed, Path path, boolean withRegular, int... subSizes) throws IOException {
      this.random = new SplittableRandom(seed);
      this.path = path;
      int largest = 0;
      for (int size : subSizes) {
        largest = Math.max(largest, size);
      }
      int pageSize = Math.max(2 * largest, 1 << (10 + random.nextInt(3)));
      Durability durability = random.nextInt(4) == 0 ? Durability.SYNC : Durability.NONE;
      this.options = PagerOptions.defaults()
          .withPageSize(pageSize)
          .withDurability(durability)
          .withInitialPageCount(4 + random.nextInt(20));
      this.pager = Pager.create(path, options);
      this.regular = withRegular ? new Target<>("regular", RegularPageAllocator::new, pager) : null;
      if (regular != null) {
        targets.add(regular);
      }
      for (int i = 0; i < subSizes.length; i++) {
        int slot = 3 + i * SubPageAllocator.ROOT_SLOTS_USED;
        int size = subSizes[i];
        Target<SubPageId, SubPageAllocator> sub =
            new Target<>("sub" + size + "@" + slot, p -> SubPageAllocator.open(p, slot, size), pager);
        subs.add(sub);
        targets.add(sub);
      }
    }

    void run(int steps) throws IOException {
      try {
        for (int step = 0; step < steps; step++) {
          step();
          check();
        }
        reopen();
        check();
      } finally {
        pager.close();
      }
    }

    private void step() throws IOException {
      int operation = random.nextInt(100);
      Target<?, ?> target = targets.get(random.nextInt(targets.size()));
      if (operation < 25) {
        alloc(target);
      } else if (operation < 35) {
        allocBulk(target);
      } else if (operation < 55) {
        free(target);
      } else if (operation < 65) {
        freeBulk(target);
      } else if (operation < 73) {
        badBulk(target);
      } else if (operation < 83) {
        write(target);
      } else if (operation < 96) {
        mixedTransaction();
      } else {
        reopen();
      }
    }

    private <H extends PageHandle<A>, A extends BulkPageAllocator<H>> void alloc(Target<H, A> target) throws IOException {
      H handle = target.allocator.alloc();
      assertThat(target.model).as("%s handed out a live value", target).doesNotContainKey(handle.value());
      target.stamp(handle, nextStamp++);
    }

    private <H extends PageHandle<A>, A extends BulkPageAllocator<H>> void allocBulk(Target<H, A> target) throws IOException {
      int count = random.nextInt(2 * perPage(target) + 2);
      long generation = pager.generation();
      List<H> handles = target.allocator.allocBulk(count);
      assertThat(handles).hasSize(count);
      assertThat(pager.generation()).as("generation after allocBulk(%d)", count).isLessThanOrEqualTo(generation + 1);
      Set<Long> fresh = new HashSet<>();
      for (H handle : handles) {
        assertThat(fresh.add(handle.value())).as("allocBulk handed out %d twice", handle.value()).isTrue();
        assertThat(target.model).as("%s handed out a live value", target).doesNotContainKey(handle.value());
      }
      for (H handle : handles) {
        target.stamp(handle, nextStamp++);
      }
    }

    private <H extends PageHandle<A>, A extends BulkPageAllocator<H>> void free(Target<H, A> target) throws IOException {
      if (target.model.isEmpty()) {
        alloc(target);
        return;
      }
      long value = pick(target.model.keySet());
      target.allocator.free(target.handle(value));
      target.model.remove(value);
    }

    private <H extends PageHandle<A>, A extends BulkPageAllocator<H>> void freeBulk(Target<H, A> target) throws IOException {
      List<Long> values = pickSome(target.model.keySet());
      long generation = pager.generation();
      target.allocator.freeBulk(target.handles(values));
      if (!values.isEmpty()) {
        assertThat(pager.generation()).as("generation after freeBulk").isEqualTo(generation + 1);
      }
      values.forEach(target.model::remove);
    }

    /** A bulk free with one freed, duplicated or foreign handle: refused, and nothing changes. */
    private <H extends PageHandle<A>, A extends BulkPageAllocator<H>> void badBulk(Target<H, A> target) throws IOException {
      if (target.model.size() < 2) {
        allocBulk(target);
        return;
      }
      List<H> handles = target.handles(pickSome(target.model.keySet()));
      int kind = random.nextInt(3);
      Class<? extends Exception> expected;
      H bad;
      if (kind == 0) {
        long value = pick(target.model.keySet());
        bad = target.handle(value);
        target.allocator.free(bad);
        target.model.remove(value);
        handles.removeIf(h -> h.value() == value);
        expected = DoubleFreeException.class;
      } else if (kind == 1) {
        bad = handles.isEmpty() ? target.handle(pick(target.model.keySet())) : handles.get(random.nextInt(handles.size()));
        if (handles.isEmpty()) {
          handles.add(bad);
        }
        expected = DoubleFreeException.class;
      } else {
        bad = target.foreign(pager, pick(target.model.keySet()));
        expected = ForeignHandleException.class;
      }
      handles.add(random.nextInt(handles.size() + 1), bad);
      long generation = pager.generation();
      assertThatThrownBy(() -> target.allocator.freeBulk(handles)).isInstanceOf(expected);
      assertThat(pager.generation()).as("generation after a refused bulk free").isEqualTo(generation);
    }

    private <H extends PageHandle<A>, A extends BulkPageAllocator<H>> void write(Target<H, A> target) throws IOException {
      if (target.model.isEmpty()) {
        alloc(target);
        return;
      }
      target.stamp(target.handle(pick(target.model.keySet())), nextStamp++);
    }

    /**
     * One transaction mixing sub-page allocs and frees (of committed sub-pages and of ones
     * allocated earlier in it) with regular allocs and frees; committed or rolled back.
     */
    private void mixedTransaction() throws IOException {
      Map<Target<SubPageId, SubPageAllocator>, List<SubPageId>> subLive = new HashMap<>();
      for (Target<SubPageId, SubPageAllocator> sub : subs) {
        subLive.put(sub, new ArrayList<>(sub.handles(new ArrayList<>(sub.model.keySet()))));
      }
      List<Long> regularLive = regular == null ? new ArrayList<>() : new ArrayList<>(regular.model.keySet());
      Map<Target<SubPageId, SubPageAllocator>, List<SubPageId>> subAllocated = new HashMap<>();
      Map<Target<SubPageId, SubPageAllocator>, List<SubPageId>> subFreed = new HashMap<>();
      List<Long> regularAllocated = new ArrayList<>();
      List<Long> regularFreed = new ArrayList<>();
      boolean commit = random.nextInt(5) != 0;
      try (Transaction tx = pager.begin()) {
        for (int k = 1 + random.nextInt(5); k > 0; k--) {
          int choice = random.nextInt(4);
          if (choice < 2 && !subs.isEmpty()) {
            Target<SubPageId, SubPageAllocator> sub = subs.get(random.nextInt(subs.size()));
            SubPageAllocator allocator = sub.allocator;
            List<SubPageId> live = subLive.computeIfAbsent(sub, s -> new ArrayList<>());
            if (choice == 0 || live.isEmpty()) {
              SubPageId id = allocator.alloc(tx);
              scribble(allocator, id);
              live.add(id);
              subAllocated.computeIfAbsent(sub, s -> new ArrayList<>()).add(id);
            } else {
              List<SubPageId> victims = new ArrayList<>();
              for (int n = 1 + random.nextInt(Math.min(4, live.size())); n > 0; n--) {
                victims.add(live.remove(random.nextInt(live.size())));
              }
              allocator.freeBulk(tx, victims);
              for (SubPageId victim : victims) {
                if (!subAllocated.computeIfAbsent(sub, s -> new ArrayList<>()).remove(victim)) {
                  subFreed.computeIfAbsent(sub, s -> new ArrayList<>()).add(victim);
                }
              }
            }
          } else if (regular != null) {
            if (choice == 2 || regularLive.isEmpty()) {
              long page = tx.alloc().index();
              regularLive.add(page);
              regularAllocated.add(page);
            } else {
              long page = regularLive.remove(random.nextInt(regularLive.size()));
              tx.free(pager.pageId(page));
              if (!regularAllocated.remove(page)) {
                regularFreed.add(page);
              }
            }
          }
        }
        if (!commit) {
          return;
        }
        tx.commit();
      }
      for (Map.Entry<Target<SubPageId, SubPageAllocator>, List<SubPageId>> entry : subFreed.entrySet()) {
        entry.getValue().forEach(id -> entry.getKey().model.remove(id.value()));
      }
      for (Map.Entry<Target<SubPageId, SubPageAllocator>, List<SubPageId>> entry : subAllocated.entrySet()) {
        for (SubPageId id : entry.getValue()) {
          entry.getKey().stamp(id, nextStamp++);
        }
      }
      if (regular != null) {
        regularFreed.forEach(regular.model::remove);
        for (long page : regularAllocated) {
          regular.stamp(regular.handle(page), nextStamp++);
        }
      }
    }

    /**
     * Writes over a sub-page handed out by a transaction still open, as a caller filling it in
     * would. Whether the transaction commits (and the sub-page is stamped for the model) or rolls
     * back, these bytes must belong to no live handle.
     */
    private void scribble(SubPageAllocator allocator, SubPageId id) throws IOException {
      MemorySegment bytes = id.write(allocator).segment();
      bytes.fill((byte) 0xEE);
    }

    private void reopen() throws IOException {
      pager.close();
      pager = Pager.open(path, options);
      for (Target<?, ?> target : targets) {
        target.reopen(pager);
      }
    }

    private void check() throws IOException {
      assertThat(pager.verify().problems()).as("pager.verify()").isEmpty();
      Set<Long> accounted = new TreeSet<>();
      for (Target<SubPageId, SubPageAllocator> sub : subs) {
        SubPageAllocator allocator = sub.allocator;
        assertThat(allocator.verify()).as("%s verify()", sub).isEmpty();
        List<Long> found = new ArrayList<>();
        allocator.forEachAllocated(id -> found.add(id.value()));
        assertThat(found).as("%s allocated sub-pages", sub).containsExactlyElementsOf(sub.model.keySet());
        Set<Long> owned = allocator.ownedPages();
        for (long value : sub.model.keySet()) {
          assertThat(owned).as("%s owns the parent of %d", sub, value).contains(value / allocator.subPagesPerPage());
        }
        for (long page : owned) {
          assertThat(accounted.add(page)).as("page %d is owned by %s and by another", page, sub).isTrue();
        }
      }
      if (regular != null) {
        for (long page : regular.model.keySet()) {
          assertThat(accounted.add(page)).as("regular page %d is also owned by a sub-page allocator", page).isTrue();
        }
      }
      Set<Long> allocated = new TreeSet<>();
      for (PageId id : pager.allocatedPages()) {
        allocated.add(id.index());
      }
      assertThat(allocated).as("the pager's allocated pages against regular pages and sub-page allocators' pages")
          .containsExactlyElementsOf(accounted);
      for (Target<?, ?> target : targets) {
        target.checkContents();
      }
    }

    private int perPage(Target<?, ?> target) {
      return Math.max(1, pager.pageSize() / target.allocator.pageSize());
    }

    private long pick(Set<Long> values) {
      int skip = random.nextInt(values.size());
      for (long value : values) {
        if (skip-- == 0) {
          return value;
        }
      }
      throw new IllegalStateException("empty");
    }

    private List<Long> pickSome(Set<Long> values) {
      List<Long> some = new ArrayList<>();
      double share = random.nextDouble();
      for (long value : values) {
        if (random.nextDouble() < share) {
          some.add(value);
        }
      }
      return some;
    }
  }
}
