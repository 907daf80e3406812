package io.github.pager.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.pager.allocator.BulkPageAllocator;
import io.github.pager.allocator.ForeignHandleException;
import io.github.pager.allocator.PageAllocator;
import io.github.pager.allocator.PageHandle;
import io.github.pager.allocator.PageWriter;
import io.github.pager.core.DoubleFreeException;
import io.github.pager.core.Durability;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The conformance tests every {@link PageAllocator} implementation passes: what a user of any
 * allocator relies on, written once against the interfaces.
 *
 * <p>An implementation's test class extends this one and says how to make a pager and how to
 * open its allocator on it; every {@code @Test} here then runs against that allocator. This is
 * the pattern of an abstract base test case: the contract lives in one place, so a new
 * implementation, in this project or downstream, cannot quietly weaken it.
 *
 * <pre>{@code
 * class MyAllocatorConformanceTest
 *     extends PageAllocatorConformanceTest<MyHandle, MyAllocator> {
 *   @Override
 *   protected MyAllocator openAllocator(Pager pager) throws IOException {
 *     return MyAllocator.open(pager, 0);     // creates it on first use, reopens it later
 *   }
 *
 *   @Override
 *   protected boolean isBulk() {
 *     return true;                           // MyAllocator implements BulkPageAllocator
 *   }
 * }
 * }</pre>
 *
 * <p>What is checked: handles are distinct while live; bytes written through a {@link
 * PageWriter} read back, each handle has exactly {@link PageAllocator#pageSize()} bytes and a
 * write to one leaves its neighbours untouched; a freed handle's value is refused by {@link
 * PageAllocator#handle(long)}; a second free raises {@link DoubleFreeException}; a handle of
 * another allocator (another file) raises {@link ForeignHandleException} on read, write and free;
 * after a reopen every live handle keeps its value and content; bulk operations are one commit
 * each, and a bulk free with one bad handle changes nothing; alloc/free cycles reuse space.
 *
 * <p>Pagers are created in a fresh temporary folder per test, with the options of {@link
 * #pagerOptions()} ({@link Durability#NONE} by default, to keep the suite fast; override it to
 * run the suite under {@link Durability#SYNC}). Override {@link #createPager} and {@link
 * #openPager} when the allocator needs more than a plain pager. The test methods are public so
 * that JUnit can run them from a subclass in another module.
 *
 * @param <H> the handle type
 * @param <A> the allocator type
 */
public abstract class PageAllocatorConformanceTest<H extends PageHandle<A>, A extends PageAllocator<H>> {
  private @Nullable Path folder;

  /** Subclasses need no constructor of their own. */
  protected PageAllocatorConformanceTest() {}

  /**
   * Opens the allocator under test on a pager: creates its state on first use, and finds the
   * same state again when the pager is a reopening of the same file.
   *
   * @param pager the pager to allocate from; stays the test's to close
   * @return the allocator
   * @throws IOException when the allocator's state cannot be read
   */
  protected abstract A openAllocator(Pager pager) throws IOException;

  /**
   * Tells whether the allocator implements {@link BulkPageAllocator}; the bulk tests run only
   * then, and a test checks that the answer matches the allocator's type.
   *
   * @return true for a bulk allocator
   */
  protected abstract boolean isBulk();

  /**
   * Returns the options pagers are created and opened with.
   *
   * @return 4 KiB pages, {@link Durability#NONE}, unless overridden
   */
  protected PagerOptions pagerOptions() {
    return PagerOptions.defaults().withDurability(Durability.NONE);
  }

  /**
   * Creates a new pager on a file that does not exist yet.
   *
   * @param file the file
   * @return the pager
   * @throws IOException when it cannot be created
   */
  protected Pager createPager(Path file) throws IOException {
    return Pager.create(file, pagerOptions());
  }

  /**
   * Opens again a file that {@link #createPager} created.
   *
   * @param file the file
   * @return the pager
   * @throws IOException when it cannot be opened
   */
  protected Pager openPager(Path file) throws IOException {
    return Pager.open(file, pagerOptions());
  }

  /**
   * Takes the temporary folder JUnit made for this test; files of the test go there.
   *
   * @param dir a fresh folder
   */
  @BeforeEach
  public final void useFolder(@TempDir Path dir) {
    folder = dir;
  }

  private Path file(String name) {
    Path dir = folder;
    if (dir == null) {
      throw new IllegalStateException("useFolder did not run: is this class run by JUnit Jupiter?");
    }
    return dir.resolve(name + ".db");
  }

  // ---------------------------------------------------------------------------------------------
  // Handles and bytes

  /**
   * Live handles have distinct values, also after frees and reallocation.
   *
   * @throws IOException on a storage failure
   */
  @Test
  public void handlesAreDistinctWhileLive() throws IOException {
    try (Pager pager = createPager(file("distinct"))) {
      A allocator = openAllocator(pager);
      List<H> live = new ArrayList<>();
      int count = Math.max(8, 2 * perPage(pager, allocator));
      for (int i = 0; i < count; i++) {
        live.add(allocator.alloc());
      }
      assertDistinct(live);
      for (int i = live.size() - 1; i >= 0; i -= 3) {
        allocator.free(live.remove(i));
      }
      for (int i = 0; i < count / 2; i++) {
        live.add(allocator.alloc());
      }
      assertDistinct(live);
    }
  }

  /**
   * Bytes written through a writer read back, through the handle and through {@link
   * PageAllocator#handle(long)}, and both views have exactly {@code pageSize()} bytes.
   *
   * @throws IOException on a storage failure
   */
  @Test
  public void writtenBytesReadBackWithThePageSize() throws IOException {
    try (Pager pager = createPager(file("readback"))) {
      A allocator = openAllocator(pager);
      assertThat(allocator.pageSize()).as("page size").isPositive();
      H handle = allocator.alloc();
      try (PageWriter writer = handle.write(allocator)) {
        assertThat(writer.segment().byteSize()).as("writer segment size").isEqualTo(allocator.pageSize());
      }
      fill(allocator, handle, 17);
      MemorySegment read = handle.read(allocator);
      assertThat(read.byteSize()).as("read segment size").isEqualTo(allocator.pageSize());
      assertContent(allocator, handle, 17);
      assertContent(allocator, allocator.handle(handle.value()), 17);
    }
  }

  /**
   * Writing every byte of one handle leaves every other handle's bytes as they were: handles do
   * not overlap, which matters most for handles that share a page.
   *
   * @throws IOException on a storage failure
   */
  @Test
  public void writesStayInsideTheirHandle() throws IOException {
    try (Pager pager = createPager(file("neighbours"))) {
      A allocator = openAllocator(pager);
      List<H> handles = new ArrayList<>();
      int count = Math.min(300, Math.max(6, 2 * perPage(pager, allocator) + 3));
      for (int i = 0; i < count; i++) {
        H handle = allocator.alloc();
        fill(allocator, handle, i);
        handles.add(handle);
      }
      for (int i = 0; i < count; i += Math.max(1, count / 7)) {
        fill(allocator, handles.get(i), 1000 + i);
        for (int j = 0; j < count; j++) {
          assertContent(allocator, handles.get(j), j == i ? 1000 + i : j);
        }
        fill(allocator, handles.get(i), i);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Freeing

  /**
   * After a free, {@link PageAllocator#handle(long)} refuses the value.
   *
   * @throws IOException on a storage failure
   */
  @Test
  public void aFreedValueIsRefused() throws IOException {
    try (Pager pager = createPager(file("freed"))) {
      A allocator = openAllocator(pager);
      H kept = allocator.alloc();
      H freed = allocator.alloc();
      allocator.free(freed);
      assertThatThrownBy(() -> allocator.handle(freed.value())).isInstanceOf(IllegalArgumentException.class);
      assertThat(allocator.handle(kept.value()).value()).isEqualTo(kept.value());
    }
  }

  /**
   * Freeing a handle twice raises {@link DoubleFreeException} and commits nothing.
   *
   * @throws IOException on a storage failure
   */
  @Test
  public void aDoubleFreeIsRefused() throws IOException {
    try (Pager pager = createPager(file("double"))) {
      A allocator = openAllocator(pager);
      H kept = allocator.alloc();
      H handle = allocator.alloc();
      allocator.free(handle);
      long generation = pager.generation();
      assertThatThrownBy(() -> allocator.free(handle)).isInstanceOf(DoubleFreeException.class);
      assertThat(pager.generation()).as("generation after a refused free").isEqualTo(generation);
      assertThat(allocator.handle(kept.value()).value()).isEqualTo(kept.value());
    }
  }

  /**
   * A handle made by an allocator over another file is refused by read, write and free, and
   * nothing changes in either file.
   *
   * @throws IOException on a storage failure
   */
  @Test
  public void aForeignHandleIsRefused() throws IOException {
    try (Pager pager = createPager(file("mine"));
        Pager otherPager = createPager(file("other"))) {
      A allocator = openAllocator(pager);
      A other = openAllocator(otherPager);
      H mine = allocator.alloc();
      fill(allocator, mine, 5);
      H foreign = other.alloc();
      fill(other, foreign, 6);
      long generation = pager.generation();
      long otherGeneration = otherPager.generation();

      assertThatThrownBy(() -> foreign.read(allocator)).isInstanceOf(ForeignHandleException.class);
      assertThatThrownBy(() -> foreign.write(allocator).close()).isInstanceOf(ForeignHandleException.class);
      assertThatThrownBy(() -> allocator.free(foreign)).isInstanceOf(ForeignHandleException.class);
      assertThatThrownBy(() -> mine.read(other)).isInstanceOf(ForeignHandleException.class);
      if (allocator instanceof BulkPageAllocator<?>) {
        BulkPageAllocator<H> bulk = bulk(allocator);
        assertThatThrownBy(() -> bulk.freeBulk(List.of(mine, foreign))).isInstanceOf(ForeignHandleException.class);
      }

      assertThat(pager.generation()).as("generation of the refusing pager").isEqualTo(generation);
      assertThat(otherPager.generation()).as("generation of the other pager").isEqualTo(otherGeneration);
      assertContent(allocator, allocator.handle(mine.value()), 5);
      assertContent(other, other.handle(foreign.value()), 6);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Reopening

  /**
   * After the pager is closed and opened again, every live handle's value turns back into a
   * handle with the same content, every freed value is refused, and new handles do not collide
   * with the old ones.
   *
   * @throws IOException on a storage failure
   */
  @Test
  public void reopenKeepsEveryLiveHandle() throws IOException {
    Path file = file("reopen");
    Map<Long, Integer> live = new HashMap<>();
    Set<Long> freed = new HashSet<>();
    int count;
    try (Pager pager = createPager(file)) {
      A allocator = openAllocator(pager);
      count = Math.min(200, Math.max(10, 3 * perPage(pager, allocator)));
      List<H> handles = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        H handle = allocator.alloc();
        fill(allocator, handle, i);
        handles.add(handle);
        live.put(handle.value(), i);
      }
      for (int i = 0; i < count; i += 3) {
        allocator.free(handles.get(i));
        live.remove(handles.get(i).value());
        freed.add(handles.get(i).value());
      }
    }
    try (Pager pager = openPager(file)) {
      A allocator = openAllocator(pager);
      for (Map.Entry<Long, Integer> entry : live.entrySet()) {
        H handle = allocator.handle(entry.getKey());
        assertThat(handle.value()).isEqualTo(entry.getKey());
        assertContent(allocator, handle, entry.getValue());
      }
      for (long value : freed) {
        if (!live.containsKey(value)) {
          assertThatThrownBy(() -> allocator.handle(value))
              .as("freed value %d after reopen", value)
              .isInstanceOf(IllegalArgumentException.class);
        }
      }
      for (int i = 0; i < count / 2; i++) {
        H handle = allocator.alloc();
        assertThat(live).as("a new handle collides with a live one").doesNotContainKey(handle.value());
        live.put(handle.value(), -1);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Bulk

  /**
   * The subclass's {@link #isBulk()} agrees with the allocator's type, so the bulk tests are not
   * skipped by mistake.
   *
   * @throws IOException on a storage failure
   */
  @Test
  public void bulkDeclarationMatchesTheType() throws IOException {
    try (Pager pager = createPager(file("declaration"))) {
      assertThat(openAllocator(pager) instanceof BulkPageAllocator<?>).as("implements BulkPageAllocator").isEqualTo(isBulk());
    }
  }

  /**
   * {@code allocBulk} and {@code freeBulk} are one commit each, and hand out and take back
   * exactly the handles they name.
   *
   * @throws IOException on a storage failure
   */
  @Test
  public void bulkAllocAndFreeAreOneCommitEach() throws IOException {
    assumeTrue(isBulk(), "not a bulk allocator");
    try (Pager pager = createPager(file("bulk"))) {
      BulkPageAllocator<H> allocator = bulk(openAllocator(pager));
      H single = allocator.alloc();
      int count = Math.min(100, Math.max(5, perPage(pager, allocator) + 2));
      long generation = pager.generation();
      List<H> handles = allocator.allocBulk(count);
      assertThat(pager.generation()).as("generation after allocBulk").isEqualTo(generation + 1);
      assertThat(handles).hasSize(count);
      List<H> all = new ArrayList<>(handles);
      all.add(single);
      assertDistinct(all);

      List<H> half = new ArrayList<>();
      for (int i = 0; i < count; i += 2) {
        half.add(handles.get(i));
      }
      allocator.freeBulk(half);
      assertThat(pager.generation()).as("generation after freeBulk").isEqualTo(generation + 2);
      for (int i = 0; i < count; i++) {
        long value = handles.get(i).value();
        if (i % 2 == 0) {
          assertThatThrownBy(() -> allocator.handle(value)).isInstanceOf(IllegalArgumentException.class);
        } else {
          assertThat(allocator.handle(value).value()).isEqualTo(value);
        }
      }
      assertThat(allocator.allocBulk(0)).isEmpty();
    }
  }

  /**
   * A bulk free with one bad handle (freed already, listed twice, or foreign) fails as a whole:
   * no commit, every handle still live with its content.
   *
   * @throws IOException on a storage failure
   */
  @Test
  public void aBulkFreeWithOneBadHandleChangesNothing() throws IOException {
    assumeTrue(isBulk(), "not a bulk allocator");
    try (Pager pager = createPager(file("bad-bulk"));
        Pager otherPager = createPager(file("bad-bulk-other"))) {
      BulkPageAllocator<H> allocator = bulk(openAllocator(pager));
      A typed = openAllocator(otherPager);
      H foreign = typed.alloc();
      int count = Math.min(40, Math.max(6, perPage(pager, allocator) + 2));
      List<H> handles = allocator.allocBulk(count);
      H freed = handles.remove(count - 1);
      allocator.free(freed);
      A self = narrow(allocator);
      for (int i = 0; i < handles.size(); i++) {
        fill(self, handles.get(i), i);
      }
      long generation = pager.generation();

      List<H> withFreed = new ArrayList<>(handles);
      withFreed.add(handles.size() / 2, freed);
      assertThatThrownBy(() -> allocator.freeBulk(withFreed)).isInstanceOf(DoubleFreeException.class);
      List<H> withTwice = new ArrayList<>(handles);
      withTwice.add(handles.get(1));
      assertThatThrownBy(() -> allocator.freeBulk(withTwice)).isInstanceOf(DoubleFreeException.class);
      List<H> withForeign = new ArrayList<>(handles);
      withForeign.add(handles.size() / 2, foreign);
      assertThatThrownBy(() -> allocator.freeBulk(withForeign)).isInstanceOf(ForeignHandleException.class);

      assertThat(pager.generation()).as("generation after refused bulk frees").isEqualTo(generation);
      for (int i = 0; i < handles.size(); i++) {
        assertContent(self, allocator.handle(handles.get(i).value()), i);
      }
      assertThatThrownBy(() -> allocator.handle(freed.value())).isInstanceOf(IllegalArgumentException.class);
      allocator.freeBulk(handles);
      assertThat(pager.generation()).isEqualTo(generation + 1);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Space

  /**
   * Many cycles of allocating and freeing the same number of handles reuse space: the file grows
   * during the first cycles at most, not with the number of cycles.
   *
   * @throws IOException on a storage failure
   */
  @Test
  public void allocFreeCyclesReuseSpace() throws IOException {
    try (Pager pager = createPager(file("cycles"))) {
      A allocator = openAllocator(pager);
      int perCycle = Math.min(256, Math.max(8, 3 * perPage(pager, allocator)));
      long settled = 0;
      for (int cycle = 0; cycle < 40; cycle++) {
        List<H> handles = new ArrayList<>();
        for (int i = 0; i < perCycle; i++) {
          handles.add(allocator.alloc());
        }
        // Free in an order unlike the allocation order, so free space fragments.
        Collections.shuffle(handles, new Random(cycle));
        for (H handle : handles) {
          allocator.free(handle);
        }
        if (cycle == 4) {
          settled = pager.pageCount();
        }
      }
      assertThat(pager.pageCount())
          .as("page count after 40 alloc/free cycles of %d handles, against after 5", perCycle)
          .isLessThanOrEqualTo(settled + 8);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** How many handles of this allocator fit in one page of the pager, at least 1. */
  private static int perPage(Pager pager, PageAllocator<?> allocator) {
    return Math.max(1, pager.pageSize() / allocator.pageSize());
  }

  /** Writes the whole handle with bytes drawn from {@code seed}, and commits. */
  private void fill(A allocator, H handle, long seed) throws IOException {
    try (PageWriter writer = handle.write(allocator)) {
      writer.segment().copyFrom(MemorySegment.ofArray(pattern(allocator.pageSize(), seed)));
      writer.commit();
    }
  }

  private void assertContent(A allocator, H handle, long seed) throws IOException {
    MemorySegment actual = handle.read(allocator);
    long mismatch = actual.mismatch(MemorySegment.ofArray(pattern(allocator.pageSize(), seed)));
    if (mismatch >= 0) {
      throw new AssertionError(
          handle + " (value " + handle.value() + ") differs from what was written at byte " + mismatch + " of "
              + allocator.pageSize() + ": " + actual.get(ValueLayout.JAVA_BYTE, Math.min(mismatch, actual.byteSize() - 1)));
    }
  }

  private static byte[] pattern(int size, long seed) {
    byte[] bytes = new byte[size];
    new SplittableRandom(seed * 0x9E3779B97F4A7C15L + size).nextBytes(bytes);
    return bytes;
  }

  private void assertDistinct(List<H> handles) {
    Set<Long> values = new HashSet<>();
    for (H handle : handles) {
      if (!values.add(handle.value())) {
        throw new AssertionError("two live handles share the value " + handle.value() + ": " + handles);
      }
    }
  }

  @SuppressWarnings("unchecked") // isBulk() and bulkDeclarationMatchesTheType vouch for it
  private BulkPageAllocator<H> bulk(A allocator) {
    return (BulkPageAllocator<H>) allocator;
  }

  @SuppressWarnings("unchecked") // the bulk view of an A is that A
  private A narrow(BulkPageAllocator<H> allocator) {
    return (A) allocator;
  }
}
