package io.github.pager.allocator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.DoubleFreeException;
import io.github.pager.core.Durability;
import io.github.pager.core.PageFileException;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Snapshot;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubPageAllocatorTest {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve("sub.db");
  }

  @Test
  void fillsAPageBeforeTakingAnotherAndReturnsEmptyPagesToThePager() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      SubPageAllocator sub = SubPageAllocator.open(pager, 0, 1024);
      assertThat(sub.subPagesPerPage()).isEqualTo(4);
      List<SubPageId> ids = sub.allocBulk(5);
      assertThat(ids.subList(0, 4)).extracting(SubPageId::page).containsOnly(ids.get(0).page());
      assertThat(ids.subList(0, 4)).extracting(SubPageId::slot).containsExactly(0, 1, 2, 3);
      assertThat(ids.get(4).page()).isNotEqualTo(ids.get(0).page());
      long firstParent = ids.get(0).page();
      assertThat(pager.isAllocated(pager.pageId(firstParent))).isTrue();

      sub.free(ids.get(1));
      assertThat(sub.alloc()).as("the commit right after the free takes the next free slot")
          .isEqualTo(new SubPageId(sub, ids.get(4).value() + 1));
      assertThat(sub.alloc()).as("then the lowest free slot is reused").isEqualTo(ids.get(1));

      sub.freeBulk(ids.subList(0, 4));
      assertThat(pager.isAllocated(pager.pageId(firstParent))).as("an empty parent goes back").isFalse();
      assertThat(sub.verify()).isEmpty();
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  @Test
  void stateAndContentsSurviveReopenExactly() throws IOException {
    List<Long> values = new ArrayList<>();
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      SubPageAllocator sub = SubPageAllocator.open(pager, 3, 64);
      for (SubPageId id : sub.allocBulk(200)) {
        try (PageWriter writer = id.write(sub)) {
          writer.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, id.value() * 7);
          writer.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 56, ~id.value());
          writer.commit();
        }
        values.add(id.value());
      }
      List<SubPageId> some = new ArrayList<>();
      for (int i = 0; i < 200; i += 3) {
        some.add(sub.handle(values.get(i)));
      }
      sub.freeBulk(some);
      values.removeIf(v -> some.stream().anyMatch(id -> id.value() == v));
    }
    try (Pager pager = Pager.open(file())) {
      SubPageAllocator sub = SubPageAllocator.open(pager, 3, 64);
      List<Long> found = new ArrayList<>();
      sub.forEachAllocated(id -> found.add(id.value()));
      assertThat(found).containsExactlyElementsOf(values);
      for (long value : values) {
        SubPageId id = sub.handle(value);
        assertThat(id.read(sub).get(ValueLayout.JAVA_LONG_UNALIGNED, 0)).isEqualTo(value * 7);
        assertThat(id.read(sub).get(ValueLayout.JAVA_LONG_UNALIGNED, 56)).isEqualTo(~value);
      }
      assertThat(sub.verify()).isEmpty();
      // Every allocated page of the file is a parent page or a node of the allocator's bitmaps.
      assertThat(pager.allocatedPages().stream().map(PageId::index).toList())
          .containsExactlyInAnyOrderElementsOf(sub.ownedPages());
    }
  }

  @Test
  void allocatorsOfDifferentSizesShareAFileAndRefuseEachOthersHandles() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      SubPageAllocator small = SubPageAllocator.open(pager, 0, 64);
      SubPageAllocator large = SubPageAllocator.open(pager, 5, 2048);
      SubPageId a = small.alloc();
      SubPageId b = large.alloc();
      assertThat(a.page()).isNotEqualTo(b.page());
      assertThatThrownBy(() -> a.read(large)).isInstanceOf(ForeignHandleException.class);
      assertThatThrownBy(() -> large.free(a)).isInstanceOf(ForeignHandleException.class);
      assertThat(small.verify()).isEmpty();
      assertThat(large.verify()).isEmpty();
    }
    try (Pager pager = Pager.open(file())) {
      assertThatThrownBy(() -> SubPageAllocator.open(pager, 0, 128))
          .isInstanceOf(PageFileException.class)
          .hasMessageContaining("64-byte sub-pages");
      SubPageAllocator large = SubPageAllocator.open(pager, 5, 2048);
      assertThat(large.handle(firstValue(large)).read(large).byteSize()).isEqualTo(2048);
    }
  }

  private static long firstValue(SubPageAllocator allocator) throws IOException {
    List<Long> values = new ArrayList<>();
    allocator.forEachAllocated(id -> values.add(id.value()));
    return values.get(0);
  }

  @Test
  void badHandlesAndSizesAreRefusedWithoutChangingAnything() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      SubPageAllocator sub = SubPageAllocator.open(pager, 0, 512);
      List<SubPageId> ids = sub.allocBulk(3);
      long generation = pager.generation();
      assertThatThrownBy(() -> sub.freeBulk(List.of(ids.get(0), ids.get(0)))).isInstanceOf(DoubleFreeException.class);
      sub.free(ids.get(2));
      assertThatThrownBy(() -> sub.freeBulk(List.of(ids.get(0), ids.get(2)))).isInstanceOf(DoubleFreeException.class);
      assertThat(pager.generation()).isEqualTo(generation + 1);
      assertThatThrownBy(() -> sub.handle(ids.get(2).value())).isInstanceOf(IllegalArgumentException.class);
      for (int size : new int[] {32, 100, 4096, 8192}) {
        assertThatThrownBy(() -> SubPageAllocator.open(pager, 10, size)).isInstanceOf(IllegalArgumentException.class);
      }
      assertThatThrownBy(() -> SubPageAllocator.open(pager, Transaction.ROOT_SLOTS - 2, 64))
          .isInstanceOf(IllegalArgumentException.class);
      try (Transaction tx = pager.begin()) {
        tx.setRoot(20, 12345);
        tx.commit();
      }
      assertThatThrownBy(() -> SubPageAllocator.open(pager, 20, 64))
          .isInstanceOf(PageFileException.class)
          .hasMessageContaining("another structure");
    }
  }

  @Test
  void aValueNoSubPageCanHaveIsRefusedAsAnIllegalArgument() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      SubPageAllocator sub = SubPageAllocator.open(pager, 0, 512);
      sub.alloc();
      for (long value : new long[] {-1, Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE - 1, 1L << 62}) {
        assertThatThrownBy(() -> sub.handle(value)).as("handle(%d)", value)
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining(Long.toString(value));
      }
    }
  }

  @Test
  void manySubPagesPerPageAreSupported() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults().withPageSize(65536))) {
      SubPageAllocator sub = SubPageAllocator.open(pager, 0, 64);
      assertThat(sub.subPagesPerPage()).isEqualTo(1024);
      List<SubPageId> ids = sub.allocBulk(1500);
      assertThat(ids.stream().map(SubPageId::page).distinct().count()).isEqualTo(2);
      assertThat(ids.get(1023).slot()).isEqualTo(1023);
      sub.freeBulk(ids);
      assertThat(sub.verify()).isEmpty();
      assertThat(pager.allocatedPages()).isEmpty();
    }
  }

  @Test
  void aSubPageFreedInATransactionIsNotHandedOutAgainByIt() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      SubPageAllocator sub = SubPageAllocator.open(pager, 0, 1024);
      // A neighbour keeps the parent page with the allocator.
      SubPageId old = sub.allocBulk(2).getFirst();
      try (Transaction tx = pager.begin()) {
        sub.freeBulk(tx, List.of(old));
        SubPageId fresh = sub.alloc(tx);
        assertThat(fresh).as("the last commit still gives %s to its old owner", old).isNotEqualTo(old);
        tx.commit();
      }
      assertThat(sub.verify()).isEmpty();
    }
  }

  @Test
  void afterARollbackTheOldOwnerStillReadsItsOwnBytes() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      SubPageAllocator sub = SubPageAllocator.open(pager, 0, 1024);
      // A neighbour keeps the parent page with the allocator.
      SubPageId old = sub.allocBulk(2).getFirst();
      stamp(sub, old, 111);
      try (Transaction tx = pager.begin()) {
        sub.freeBulk(tx, List.of(old));
        SubPageId fresh = sub.alloc(tx);
        fresh.write(sub).segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, 222L);
        // not committed: the free rolls back, and the old owner keeps its sub-page
      }
      assertThat(sub.handle(old.value()).read(sub).get(ValueLayout.JAVA_LONG_UNALIGNED, 0))
          .as("the old owner's bytes after the transaction that freed them rolled back")
          .isEqualTo(111L);
    }
  }

  @Test
  void aSubPageFreedByOneCommitIsHandedOutOnlyOnceTheNextCommitIsDurable() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      SubPageAllocator sub = SubPageAllocator.open(pager, 0, 2048);
      List<SubPageId> pair = sub.allocBulk(2);
      sub.free(pair.get(0));                                   // commit N
      SubPageId next = sub.alloc();                            // commit N + 1
      assertThat(next).as("commit N-1, the fallback of N + 1, still gives %s to its old owner", pair.get(0))
          .isNotEqualTo(pair.get(0));
      assertThat(next.page()).as("the only free slot of the partial page is pending").isNotEqualTo(pair.get(0).page());
      assertThat(sub.verify()).isEmpty();
      assertThat(sub.allocBulk(2)).as("once commit N + 1 is durable").contains(pair.get(0));   // commit N + 2
      assertThat(sub.verify()).isEmpty();
    }
  }

  @Test
  void aSubPageFreedAfterASnapshotIsHandedOutOnlyOnceTheSnapshotCloses() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults().withDurability(Durability.NONE))) {
      SubPageAllocator sub = SubPageAllocator.open(pager, 0, 256);
      List<SubPageId> kept = sub.allocBulk(4);
      stamp(sub, kept.get(1), 7);
      SubPageId freed = kept.get(1);
      try (Snapshot snapshot = pager.snapshot()) {
        sub.free(freed);                                       // commit N, after the snapshot
        for (int round = 0; round < 10; round++) {
          SubPageId next = sub.alloc();
          assertThat(next).as("round %d: the snapshot still gives %s to its old owner", round, freed)
              .isNotEqualTo(freed);
          stamp(sub, next, -1);
        }
        assertThat(snapshot.readBitmap(1).get(freed.value())).as("used at the snapshot").isTrue();
        assertThat(snapshot.page(snapshot.pageId(freed.page())).getLong(256L * freed.slot()))
            .as("the old owner's bytes, as the snapshot reads them").isEqualTo(7);
        assertThat(sub.verify()).isEmpty();
      }
      assertThat(sub.allocBulk(2)).as("once the snapshot is closed").contains(freed);
      assertThat(sub.verify()).isEmpty();
    }
  }

  @Test
  void aPageLeftWithOnlyPendingSubPagesGoesBackInTheCommitThatEmptiesIt() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      SubPageAllocator sub = SubPageAllocator.open(pager, 0, 1024);
      List<SubPageId> ids = sub.allocBulk(4);
      long parent = ids.get(0).page();
      sub.free(ids.get(0));                                    // commit N: slot 0 pending
      // A rolled-back free of the rest gives the page back and takes it again: slot 0 stays pending.
      try (Transaction tx = pager.begin()) {
        sub.freeBulk(tx, ids.subList(1, 4));
      }
      try (Transaction tx = pager.begin()) {
        SubPageId fresh = sub.alloc(tx);
        assertThat(fresh).as("slot 0, freed by commit N, in commit N + 1").isNotEqualTo(ids.get(0));
        assertThat(fresh.page()).isNotEqualTo(parent);
      }
      sub.freeBulk(ids.subList(1, 4));                         // commit N + 1: the page holds only free slots
      assertThat(pager.isAllocated(pager.pageId(parent))).as("a page with no used sub-page goes back").isFalse();
      assertThat(sub.verify()).isEmpty();
      SubPageId fresh = sub.alloc();                           // commit N + 2
      assertThat(fresh.page()).as("the page freed by commit N + 1, in commit N + 2").isNotEqualTo(parent);
      sub.free(fresh);
      assertThat(sub.verify()).isEmpty();
      assertThat(pager.allocatedPages()).as("no page leaks").isEmpty();
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  @Test
  void aSubPageAllocatedAndFreedByOneTransactionIsReusableAtOnce() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      SubPageAllocator sub = SubPageAllocator.open(pager, 0, 1024);
      SubPageId neighbour = sub.alloc();                       // keeps the page with the allocator
      try (Transaction tx = pager.begin()) {
        SubPageId first = sub.alloc(tx);
        SubPageId second = sub.alloc(tx);
        sub.freeBulk(tx, List.of(first));
        assertThat(sub.alloc(tx)).as("no commit ever gave it out").isEqualTo(first);
        sub.freeBulk(tx, List.of(neighbour, second));
        assertThat(sub.alloc(tx)).as("allocated here, unlike the neighbour freed with it").isEqualTo(second);
        tx.commit();
      }
      assertThat(sub.verify()).isEmpty();
      assertThat(pager.verify().problems()).isEmpty();
    }
  }

  @Test
  void allocationSkipsPendingSlotsAndResumesItsSearchWithinATransaction() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      SubPageAllocator sub = SubPageAllocator.open(pager, 0, 1024);
      List<SubPageId> ids = sub.allocBulk(12);                 // three full pages
      sub.freeBulk(List.of(ids.get(1), ids.get(11)));          // commit N
      SubPageId d0;
      SubPageId d1;
      SubPageId d2;
      try (Transaction tx = pager.begin()) {                   // commit N + 1
        d0 = sub.alloc(tx);
        assertThat(d0.slot()).as("every free slot is pending: a new page").isZero();
        assertThat(List.of(ids.get(0).page(), ids.get(4).page(), ids.get(8).page())).doesNotContain(d0.page());
        d1 = sub.alloc(tx);
        sub.freeBulk(tx, List.of(ids.get(4)));
        d2 = sub.alloc(tx);
        assertThat(List.of(d1, d2)).containsExactly(new SubPageId(sub, d0.value() + 1), new SubPageId(sub, d0.value() + 2));
        tx.commit();
      }
      try (Transaction tx = pager.begin()) {                   // commit N + 2
        List<SubPageId> reused = List.of(sub.alloc(tx), sub.alloc(tx), sub.alloc(tx));
        assertThat(reused).as("freed by commit N, and the new page's last slot, lowest page first")
            .containsExactlyElementsOf(Stream.of(ids.get(1), ids.get(11), new SubPageId(sub, d0.value() + 3))
                .sorted(Comparator.comparingLong(SubPageId::value)).toList());
        SubPageId e = sub.alloc(tx);
        assertThat(e).as("freed by commit N + 1").isNotEqualTo(ids.get(4));
        assertThat(e.slot()).isZero();
        tx.commit();
      }
      assertThat(sub.alloc()).isEqualTo(ids.get(4));           // commit N + 3
      assertThat(sub.verify()).isEmpty();
    }
  }

  @Test
  void aNewParentPageBelowPagesWithPendingSlotsIsFilledBeforeAnotherIsTaken() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      SubPageAllocator sub = SubPageAllocator.open(pager, 0, 1024);
      List<SubPageId> ids = sub.allocBulk(16);                 // four full pages
      sub.freeBulk(ids.subList(0, 4));                         // commit N: the first page goes back
      sub.free(ids.get(4));                                    // commit N + 1: the second is pending
      try (Transaction tx = pager.begin()) {                   // commit N + 2
        SubPageId first = sub.alloc(tx);
        assertThat(first.page()).as("the page freed by commit N, from the pager").isEqualTo(ids.get(0).page());
        assertThat(sub.alloc(tx)).as("its next slot, not another new page").isEqualTo(new SubPageId(sub, first.value() + 1));
        tx.commit();
      }
      assertThat(sub.verify()).isEmpty();
    }
  }

  private static void stamp(SubPageAllocator sub, SubPageId id, long value) throws IOException {
    try (PageWriter writer = id.write(sub)) {
      writer.segment().set(ValueLayout.JAVA_LONG_UNALIGNED, 0, value);
      writer.commit();
    }
  }

  @Test
  void subPageChangesFoldIntoALargerTransaction() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      SubPageAllocator sub = SubPageAllocator.open(pager, 0, 256);
      SubPageId kept;
      try (Transaction tx = pager.begin()) {
        kept = sub.alloc(tx);
        tx.alloc();
        tx.setRoot(10, kept.value());
        tx.commit();
      }
      try (Transaction tx = pager.begin()) {
        sub.alloc(tx);
        sub.freeBulk(tx, List.of(kept));
        // not committed: all of it rolls back
      }
      assertThat(sub.handle(pager.root(10))).isEqualTo(kept);
      List<SubPageId> all = new ArrayList<>();
      sub.forEachAllocated(all::add);
      assertThat(all).containsExactly(kept);
      assertThat(sub.verify()).isEmpty();
    }
  }
}
