package io.github.pager.protectedpages;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.allocator.ForeignHandleException;
import io.github.pager.allocator.PageWriter;
import io.github.pager.core.DoubleFreeException;
import io.github.pager.core.PageFileException;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.testkit.SimulatedStorage;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProtectedPageAllocatorTest {
  private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED;
  private static final int BASE = 4;

  @TempDir Path dir;

  private Path file() {
    return dir.resolve("protected.db");
  }

  private static void writeLong(ProtectedPageAllocator pages, ProtectedPageId id, long offset, long value)
      throws IOException {
    try (ProtectedPageWriter writer = pages.write(id)) {
      writer.segment().set(LONG, offset, value);
      writer.commit();
    }
  }

  private static long readLong(ProtectedPageAllocator pages, ProtectedPageId id, long offset) throws IOException {
    return MemorySegment.ofArray(pages.get(id)).get(LONG, offset);
  }

  @Test
  void aNewPageReadsAsZerosAndACommittedWriteIsReadBack() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      ProtectedPageId id = pages.alloc();
      assertThat(id.value()).isZero();
      assertThat(pages.get(id)).containsOnly((byte) 0).hasSize(4096);
      assertThat(pages.version(id)).isEqualTo(1);

      writeLong(pages, id, 8, 42);
      assertThat(readLong(pages, id, 8)).isEqualTo(42);
      assertThat(pages.version(id)).isEqualTo(2);
      assertThat(id.read(pages).get(LONG, 8)).isEqualTo(42);
      pages.verify();
    }
  }

  @Test
  void aWriterStartsFromTheCommittedContentSoAPartialWriteChangesOnlyItsBytes() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      ProtectedPageId id = pages.alloc();
      for (int round = 1; round <= 5; round++) {
        writeLong(pages, id, 8L * round, round * 100L);
      }
      for (int round = 1; round <= 5; round++) {
        assertThat(readLong(pages, id, 8L * round)).isEqualTo(round * 100L);
      }
      assertThat(readLong(pages, id, 0)).isZero();
      assertThat(pages.version(id)).isEqualTo(6);
    }
  }

  @Test
  void closingAnUncommittedWriterDiscardsTheWrite() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      ProtectedPageId id = pages.alloc();
      writeLong(pages, id, 0, 1);
      long generation = pager.generation();
      try (PageWriter writer = id.write(pages)) {
        writer.segment().set(LONG, 0, 2);
        writer.segment().set(LONG, 16, 3);
        assertThat(readLong(pages, id, 0)).as("readers see the committed version meanwhile").isEqualTo(1);
      }
      assertThat(readLong(pages, id, 0)).isEqualTo(1);
      assertThat(readLong(pages, id, 16)).isZero();
      assertThat(pager.generation()).isEqualTo(generation);
      writeLong(pages, id, 24, 4);
      assertThat(readLong(pages, id, 0)).as("the next writer starts from the committed copy").isEqualTo(1);
      assertThat(readLong(pages, id, 16)).isZero();
      pages.verify();
    }
  }

  @Test
  void freeingGivesBothCopiesAndTheDirectorySlotBack() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      ProtectedPageId keep = pages.alloc();
      Set<Long> before = allocated(pager);
      ProtectedPageId id = pages.alloc();
      writeLong(pages, id, 0, 7);
      DirectoryEntry entry = pages.entry(id.value());
      assertThat(allocated(pager)).contains(entry.copyA(), entry.copyB());

      long generation = pager.generation();
      pages.free(id);
      assertThat(pager.generation()).as("one commit").isEqualTo(generation + 1);
      assertThat(allocated(pager)).isEqualTo(before);
      assertThat(pages.allocatedIds()).containsExactly(keep);
      assertThatThrownBy(() -> pages.get(id)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> pages.free(id)).isInstanceOf(DoubleFreeException.class);
      assertThat(pages.alloc()).as("the lowest free id is reused").isEqualTo(id);
      pages.verify();
    }
  }

  @Test
  void bulkAllocAndFreeAreOneCommitEachAndABulkFreeChecksEveryIdFirst() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      long generation = pager.generation();
      List<ProtectedPageId> ids = pages.allocBulk(50);
      assertThat(pager.generation()).isEqualTo(generation + 1);
      assertThat(ids).extracting(ProtectedPageId::value).containsExactlyElementsOf(range(0, 50));

      pages.free(ids.get(10));
      List<ProtectedPageId> some = new ArrayList<>(ids.subList(0, 20));
      assertThatThrownBy(() -> pages.freeBulk(some)).isInstanceOf(DoubleFreeException.class);
      assertThat(pages.allocatedIds()).hasSize(49);
      assertThatThrownBy(() -> pages.freeBulk(List.of(ids.get(1), ids.get(1))))
          .isInstanceOf(DoubleFreeException.class);
      assertThat(pages.allocatedIds()).hasSize(49);

      some.remove(ids.get(10));
      generation = pager.generation();
      pages.freeBulk(some);
      assertThat(pager.generation()).isEqualTo(generation + 1);
      assertThat(pages.allocatedIds()).extracting(ProtectedPageId::value).containsExactlyElementsOf(range(20, 50));
      pages.verify();
    }
  }

  @Test
  void everythingSurvivesAReopen() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      for (ProtectedPageId id : pages.allocBulk(10)) {
        writeLong(pages, id, 0, id.value() * 11);
      }
      pages.free(pages.handle(3));
    }
    try (Pager pager = Pager.open(file())) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      assertThat(pages.allocatedIds()).extracting(ProtectedPageId::value).containsExactly(0L, 1L, 2L, 4L, 5L, 6L, 7L, 8L, 9L);
      for (ProtectedPageId id : pages.allocatedIds()) {
        assertThat(readLong(pages, id, 0)).isEqualTo(id.value() * 11);
        assertThat(pages.version(id)).isEqualTo(2);
      }
      assertThatThrownBy(() -> pages.handle(3)).isInstanceOf(IllegalArgumentException.class);
      pages.verify();
      Set<Long> owned = pages.ownedPages();
      assertThat(allocated(pager)).as("no page leaks").isEqualTo(owned);
    }
  }

  @Test
  void forEachCopiesNamesBothCopiesOfEveryPageAndTheActiveOne() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      List<ProtectedPageId> ids = pages.allocBulk(3);
      pages.free(ids.get(1));
      writeLong(pages, ids.get(2), 0, 7); // version 2: copy B becomes active
      List<ProtectedPageAllocator.Copies> copies = new ArrayList<>();
      pages.forEachCopies(copies::add);
      assertThat(copies).extracting(ProtectedPageAllocator.Copies::id).containsExactly(0L, 2L);
      for (ProtectedPageAllocator.Copies c : copies) {
        assertThat(c.copyA()).isEqualTo(pages.entry(c.id()).copyA());
        assertThat(c.copyB()).isEqualTo(pages.entry(c.id()).copyB());
        assertThat(c.activeIsA() ? c.copyA() : c.copyB()).isEqualTo(pages.entry(c.id()).activePage());
      }
      assertThat(copies.get(0).activeIsA()).isTrue();
      assertThat(copies.get(1).activeIsA()).isFalse();
      Set<Long> physical = new HashSet<>();
      copies.forEach(c -> {
        physical.add(c.copyA());
        physical.add(c.copyB());
      });
      assertThat(pages.ownedPages()).containsAll(physical);
      assertThat(pages.directorySlot()).isEqualTo(BASE + 1);
      assertThat(pages.usedSlot()).isEqualTo(BASE + 3);
    }
  }

  @Test
  void aCorruptCopyIsNeverHandedOutAndTheExceptionNamesThePage() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      ProtectedPageId good = pages.alloc();
      ProtectedPageId id = pages.alloc();
      writeLong(pages, id, 0, 99);
      long active = pages.entry(id.value()).activePage();
      pager.page(pager.pageId(active)).putByte(100, (byte) 1); // bit rot behind the pager's back

      assertThatThrownBy(() -> pages.get(id))
          .isInstanceOfSatisfying(ProtectedPageCorruptException.class, e -> {
            assertThat(e.protectedId()).isEqualTo(id.value());
            assertThat(e.physicalPage()).isEqualTo(active);
          })
          .hasMessageContaining("protected page " + id.value())
          .hasMessageContaining("physical page " + active);
      assertThatThrownBy(pages::verify)
          .isInstanceOfSatisfying(ProtectedPageCorruptException.class, e -> assertThat(e.protectedId()).isEqualTo(id.value()));
      assertThatThrownBy(() -> pages.write(id))
          .as("a writer never starts from corrupt bytes")
          .isInstanceOf(ProtectedPageCorruptException.class);
      byte[] unverified = new byte[4096];
      pages.getUnverified(id, unverified);
      assertThat(unverified[100]).isEqualTo((byte) 1);
      assertThat(readLong(pages, good, 0)).isZero();
      writeLong(pages, good, 0, 5); // the lock was released by the failed writer

      pages.free(id);
      pages.verify();
    }
  }

  @Test
  void aTransactionCommitsManyPagesAllocationsAndFreesWithOneFlipAndAFixedNumberOfSyncs() throws IOException {
    CountingStorage storage = new CountingStorage(SimulatedStorage.builder().capacity(4 << 20).build());
    try (Pager pager = Pager.create(storage, PagerOptions.defaults().withPageSize(1024))) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      List<ProtectedPageId> ids = pages.allocBulk(40);
      int[] syncsPerCommit = new int[3];
      int k = 0;
      for (int count : new int[] {1, 4, 32}) {
        long generation = pager.generation();
        int syncs = storage.syncs();
        try (ProtectedTransaction tx = pages.begin()) {
          for (ProtectedPageId id : ids.subList(0, count)) {
            tx.write(id).set(LONG, 0, count);
          }
          tx.commit();
        }
        syncsPerCommit[k++] = storage.syncs() - syncs;
        assertThat(pager.generation()).isEqualTo(generation + 1);
      }
      assertThat(syncsPerCommit).as("syncs for 1, 4 and 32 pages").containsOnly(2);

      long generation = pager.generation();
      ProtectedPageId created;
      PageId regular;
      try (ProtectedTransaction tx = pages.begin()) {
        created = tx.alloc();
        tx.write(created).set(LONG, 0, 1234);
        tx.write(ids.get(0)).set(LONG, 8, 1);
        tx.write(ids.get(0)).set(LONG, 16, 2);
        tx.free(ids.get(1));
        regular = tx.pagerTransaction().alloc();
        tx.commit();
      }
      assertThat(pager.generation()).isEqualTo(generation + 1);
      assertThat(readLong(pages, created, 0)).isEqualTo(1234);
      assertThat(pages.version(created)).as("allocated and written in one commit").isEqualTo(1);
      assertThat(readLong(pages, ids.get(0), 0)).isEqualTo(32);
      assertThat(readLong(pages, ids.get(0), 8)).isEqualTo(1);
      assertThat(readLong(pages, ids.get(0), 16)).isEqualTo(2);
      assertThat(pages.allocatedIds()).doesNotContain(ids.get(1));
      assertThat(pager.isAllocated(regular)).isTrue();
      pages.verify();
    }
  }

  @Test
  void closingAnUncommittedTransactionDiscardsEverything() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      List<ProtectedPageId> ids = pages.allocBulk(3);
      writeLong(pages, ids.get(0), 0, 1);
      Set<Long> before = allocated(pager);
      long generation = pager.generation();
      try (ProtectedTransaction tx = pages.begin()) {
        tx.write(ids.get(0)).set(LONG, 0, 2);
        tx.free(ids.get(1));
        tx.allocBulk(5);
        tx.pagerTransaction().alloc();
      }
      assertThat(pager.generation()).isEqualTo(generation);
      assertThat(allocated(pager)).isEqualTo(before);
      assertThat(pages.allocatedIds()).containsExactlyElementsOf(ids);
      assertThat(readLong(pages, ids.get(0), 0)).isEqualTo(1);
      pages.verify();
    }
  }

  @Test
  void aFailedCallRollsTheTransactionBack() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      List<ProtectedPageId> ids = pages.allocBulk(2);
      pages.free(ids.get(1));
      try (ProtectedTransaction tx = pages.begin()) {
        tx.write(ids.get(0)).set(LONG, 0, 5);
        assertThatThrownBy(() -> tx.write(ids.get(1))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(tx::commit).isInstanceOf(IllegalStateException.class);
      }
      assertThat(readLong(pages, ids.get(0), 0)).isZero();
      writeLong(pages, ids.get(0), 0, 6);
      assertThat(readLong(pages, ids.get(0), 0)).isEqualTo(6);
    }
  }

  @Test
  void aTargetLongerThanAPageReceivesThePageInItsFirstBytes() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      ProtectedPageId id = pages.alloc();
      writeLong(pages, id, 4088, 77);
      for (boolean verified : new boolean[] {true, false}) {
        byte[] target = new byte[4096 + 100];
        Arrays.fill(target, (byte) 0x5A);
        long version = verified ? pages.read(id, target) : pages.getUnverified(id, target);
        assertThat(version).isEqualTo(2);
        assertThat(MemorySegment.ofArray(target).get(LONG, 4088)).isEqualTo(77);
        assertThat(Arrays.copyOfRange(target, 0, 4088)).containsOnly((byte) 0);
        assertThat(Arrays.copyOfRange(target, 4096, target.length)).as("bytes past the page").containsOnly((byte) 0x5A);
        assertThatThrownBy(() -> pages.read(id, new byte[4095])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> pages.getUnverified(id, new byte[4095])).isInstanceOf(IllegalArgumentException.class);
      }
    }
  }

  @Test
  void aValueNoIdCanHaveIsRefusedAsAnIllegalArgument() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      pages.alloc();
      for (long value : new long[] {-1, Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE - 1, 1L << 62}) {
        assertThatThrownBy(() -> pages.handle(value)).as("handle(%d)", value)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(Long.toString(value));
      }
    }
  }

  @Test
  void handlesOfAnotherAllocatorAreRefused() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      ProtectedPageAllocator other = ProtectedPageAllocator.open(pager, BASE + 5);
      ProtectedPageId id = pages.alloc();
      assertThatThrownBy(() -> other.get(id)).isInstanceOf(ForeignHandleException.class);
      assertThatThrownBy(() -> id.write(other)).isInstanceOf(ForeignHandleException.class);
      assertThatThrownBy(() -> other.free(id)).isInstanceOf(ForeignHandleException.class);
      assertThat(other.alloc().value()).as("independent directories").isZero();
    }
  }

  @Test
  void slotsHoldingSomethingElseAreRefused() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      ProtectedPageAllocator.open(pager, BASE).alloc();
      try (var tx = pager.begin()) {
        tx.setRoot(20, 12345);
        tx.commit();
      }
      assertThatThrownBy(() -> ProtectedPageAllocator.open(pager, 20))
          .isInstanceOf(PageFileException.class)
          .hasMessageContaining("not protected pages");
      assertThatThrownBy(() -> ProtectedPageAllocator.open(pager, 28)).isInstanceOf(IllegalArgumentException.class);
    }
    try (Pager pager = Pager.open(file(), PagerOptions.defaults().withPageSize(4096))) {
      assertThat(ProtectedPageAllocator.open(pager, BASE).allocatedIds()).hasSize(1);
    }
  }

  @Test
  void aReadOnlyPagerReadsButRefusesWriters() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      writeLong(pages, pages.alloc(), 0, 3);
    }
    try (Pager pager = Pager.open(file(), PagerOptions.defaults().withReadOnly(true))) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, BASE);
      ProtectedPageId id = pages.handle(0);
      assertThat(readLong(pages, id, 0)).isEqualTo(3);
      pages.verify();
      assertThatThrownBy(() -> pages.write(id)).isInstanceOf(io.github.pager.core.ReadOnlyPagerException.class);
    }
  }

  private static Set<Long> allocated(Pager pager) throws IOException {
    Set<Long> pages = new HashSet<>();
    pager.forEachAllocated(id -> pages.add(id.index()));
    return pages;
  }

  private static List<Long> range(long from, long to) {
    List<Long> values = new ArrayList<>();
    for (long v = from; v < to; v++) {
      values.add(v);
    }
    return values;
  }
}
