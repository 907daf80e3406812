package io.github.pager.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.Durability;
import io.github.pager.core.GrowFailedException;
import io.github.pager.core.MappedPage;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.ReadOnlyPagerException;
import io.github.pager.core.Transaction;
import io.github.pager.testkit.SimulatedStorage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a user of the store relies on, one behaviour per test. */
class KvStoreTest {
  private static final PagerOptions FAST = PagerOptions.defaults().withDurability(Durability.NONE);

  @TempDir Path dir;

  @Test
  void anEmptyStoreHoldsNothingAndWritesNoRootValues() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("empty.pages"), FAST)) {
      KvStore store = KvStore.on(pager);
      assertThat(store.get(bytes("a"))).isNull();
      assertThat(store.size()).isZero();
      assertThat(store.delete(bytes("a"))).isFalse();
      try (KvReadTransaction read = store.beginRead()) {
        KvCursor cursor = read.cursor();
        assertThat(cursor.first()).isFalse();
        assertThat(cursor.last()).isFalse();
        assertThat(cursor.seekCeiling(bytes(""))).isFalse();
        assertThat(cursor.seekFloor(bytes("zzz"))).isFalse();
        assertThat(cursor.isValid()).isFalse();
      }
      KvVerifyReport report = store.verify();
      assertThat(report.isClean()).isTrue();
      assertThat(report.height()).isZero();
      assertThat(report.pages()).isEmpty();
      for (int slot = 0; slot < Transaction.ROOT_SLOTS; slot++) {
        assertThat(pager.root(slot)).as("root slot %d", slot).isZero();
      }
    }
  }

  @Test
  void putsGetsAndDeletesCommitTogetherAndSurviveAReopen() throws IOException {
    Path path = dir.resolve("basic.pages");
    try (Pager pager = Pager.create(path, FAST)) {
      KvStore store = KvStore.on(pager);
      try (KvWriteTransaction tx = store.beginWrite()) {
        tx.put(bytes("apple"), bytes("red"));
        tx.put(bytes("banana"), bytes("yellow"));
        tx.put(bytes("cherry"), bytes("dark red"));
        assertThat(tx.delete(bytes("banana"))).isTrue();
        assertThat(tx.delete(bytes("banana"))).isFalse();
        tx.put(bytes("apple"), bytes("green"));
        assertThat(tx.get(bytes("apple"))).isEqualTo(bytes("green"));
        assertThat(store.get(bytes("apple"))).as("readers see nothing before the commit").isNull();
        assertThat(tx.size()).isEqualTo(2);
        tx.commit();
      }
      assertThat(store.size()).isEqualTo(2);
    }
    try (Pager pager = Pager.open(path, FAST)) {
      KvStore store = KvStore.on(pager);
      assertThat(store.get(bytes("apple"))).isEqualTo(bytes("green"));
      assertThat(store.get(bytes("banana"))).isNull();
      assertThat(store.get(bytes("cherry"))).isEqualTo(bytes("dark red"));
      assertThat(store.size()).isEqualTo(2);
    }
  }

  @Test
  void theStoreClaimsExactlyItsFourRootSlots() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("slots.pages"), FAST)) {
      KvStore.on(pager, KvOptions.defaults().withRootSlot(3)).put(bytes("k"), bytes("v"));
      for (int slot = 0; slot < Transaction.ROOT_SLOTS; slot++) {
        if (slot < 3 || slot > 6) {
          assertThat(pager.root(slot)).as("root slot %d", slot).isZero();
        }
      }
      assertThat(pager.root(3)).as("the tag").isEqualTo(RootSlots.TAG);
      assertThat(pager.root(6)).as("the entry count").isEqualTo(1);
    }
  }

  @Test
  void aStoreRefusesRootSlotsThatHoldAnotherStructure() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("taken.pages"), FAST)) {
      try (Transaction tx = pager.begin()) {
        tx.setRoot(17, 5); // another structure's value, where a store would keep its root page
        tx.setRoot(24, 0x1234);
        tx.commit();
      }
      assertThatThrownBy(() -> KvStore.on(pager))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("root slots 16-19 hold another structure's values");
      assertThatThrownBy(() -> KvStore.on(pager, KvOptions.defaults().withRootSlot(24)))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("root slot 24 holds 0x1234, not a key-value store's tag");
      KvStore elsewhere = KvStore.on(pager, KvOptions.defaults().withRootSlot(8));
      elsewhere.put(bytes("k"), bytes("v"));
      assertThat(pager.root(17)).as("the other structure's value").isEqualTo(5);
    }
    assertThatThrownBy(() -> KvOptions.defaults().withRootSlot(29))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("root slots 29 to 32");
    assertThat(KvOptions.defaults().withRootSlot(28).rootSlot()).isEqualTo(28);
  }

  @Test
  void twoStoresShareOnePagerInTheirOwnSlots() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("two.pages"), FAST)) {
      KvStore first = KvStore.on(pager);
      KvStore second = KvStore.on(pager, KvOptions.defaults().withRootSlot(20));
      for (int i = 0; i < 300; i++) {
        first.put(bytes("first " + i), bytes("a".repeat(i)));
        second.put(bytes("second " + i), bytes("b".repeat(i)));
      }
      assertThat(first.get(bytes("second 1"))).isNull();
      KvVerifyReport a = first.verify();
      KvVerifyReport b = second.verify();
      assertThat(a.problems()).isEmpty();
      assertThat(b.problems()).isEmpty();
      TreeSet<Long> both = new TreeSet<>(a.pages());
      both.addAll(b.pages());
      assertThat(both).hasSize(a.pages().size() + b.pages().size());
      TreeSet<Long> allocated = new TreeSet<>();
      pager.forEachAllocated(id -> allocated.add(id.index()));
      assertThat(allocated).isEqualTo(both);
    }
  }

  /** The documented limits hold on every page size: a 1,024-byte key, a 1 MiB value, empty ones. */
  @ParameterizedTest
  @ValueSource(ints = {1024, 2048, 4096, 16384, 65536})
  void keysAndValuesAtTheLimitsOnEveryPageSize(int pageSize) throws IOException {
    Path path = dir.resolve("limits.pages");
    SplittableRandom random = new SplittableRandom(pageSize);
    List<byte[]> keys = new ArrayList<>();
    List<byte[]> values = new ArrayList<>();
    byte[] sharedPrefix = new byte[KvStore.MAX_KEY_LENGTH - 1];
    random.nextBytes(sharedPrefix);
    for (int i = 0; i < 40; i++) {
      byte[] key = Arrays.copyOf(sharedPrefix, KvStore.MAX_KEY_LENGTH); // keys differing in their last byte
      key[key.length - 1] = (byte) i;
      keys.add(key);
      values.add(new byte[] {(byte) i});
    }
    keys.add(new byte[0]);
    values.add(new byte[0]);
    byte[] big = new byte[1 << 20];
    random.nextBytes(big);
    keys.add(bytes("big"));
    values.add(big);
    try (Pager pager = Pager.create(path, FAST.withPageSize(pageSize))) {
      KvStore store = KvStore.on(pager);
      try (KvWriteTransaction tx = store.beginWrite()) {
        for (int i = 0; i < keys.size(); i++) {
          tx.put(keys.get(i), values.get(i));
        }
        tx.commit();
      }
    }
    try (Pager pager = Pager.open(path, FAST.withPageSize(pageSize))) {
      KvStore store = KvStore.on(pager, KvOptions.defaults().withVerifiedReads(true));
      for (int i = 0; i < keys.size(); i++) {
        assertThat(store.get(keys.get(i))).as("value %d", i).isEqualTo(values.get(i));
      }
      KvVerifyReport report = store.verify();
      assertThat(report.problems()).isEmpty();
      assertThat(report.entries()).isEqualTo(keys.size());
      assertThat(report.overflowPages()).as("the 1 MiB value lives in overflow pages")
          .isGreaterThanOrEqualTo((1 << 20) / pageSize);
      try (KvWriteTransaction tx = store.beginWrite()) {
        for (byte[] key : keys) {
          assertThat(tx.delete(key)).isTrue();
        }
        tx.commit();
      }
      store.put(bytes("one"), bytes("more"));
      store.put(bytes("one"), bytes("commit")); // the deleted pages are now reusable, and unreached
      assertThat(store.verify().pages()).hasSize(1);
    }
  }

  @Test
  void theLargestValueRoundTrips() throws IOException {
    byte[] largest = new byte[KvStore.MAX_VALUE_LENGTH];
    new SplittableRandom(7).nextBytes(largest);
    try (Pager pager = Pager.create(dir.resolve("largest.pages"), FAST.withSparse(true))) {
      KvStore store = KvStore.on(pager);
      store.put(bytes("largest"), largest);
      assertThat(store.get(bytes("largest"))).isEqualTo(largest);
      assertThat(store.verify().problems()).isEmpty();
    }
  }

  @Test
  void tooLongKeysAndValuesAreRefusedAndTheTransactionGoesOn() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("refused.pages"), FAST)) {
      KvStore store = KvStore.on(pager);
      try (KvWriteTransaction tx = store.beginWrite()) {
        tx.put(bytes("kept"), bytes("yes"));
        assertThatThrownBy(() -> tx.put(new byte[KvStore.MAX_KEY_LENGTH + 1], bytes("v")))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("a key of 1025 bytes is longer than the limit of 1024");
        assertThatThrownBy(() -> tx.put(bytes("k"), new byte[KvStore.MAX_VALUE_LENGTH + 1]))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("a value of 16777217 bytes is longer than the limit of 16777216");
        tx.commit();
      }
      assertThat(store.get(bytes("kept"))).isEqualTo(bytes("yes"));
    }
  }

  @Test
  void aRollbackLeavesTheStoreAndThePagerAsTheyWere() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("rollback.pages"), FAST)) {
      KvStore store = KvStore.on(pager);
      for (int i = 0; i < 200; i++) {
        store.put(bytes("key " + i), bytes("value " + i));
      }
      List<Long> before = new ArrayList<>();
      pager.forEachAllocated(id -> before.add(id.index()));
      long generation = pager.generation();
      try (KvWriteTransaction tx = store.beginWrite()) {
        for (int i = 0; i < 200; i++) {
          tx.delete(bytes("key " + i));
          tx.put(bytes("new " + i), new byte[i * 20]);
        }
        tx.rollback();
        assertThatThrownBy(() -> tx.put(bytes("a"), bytes("b")))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("the write transaction is closed");
      }
      List<Long> after = new ArrayList<>();
      pager.forEachAllocated(id -> after.add(id.index()));
      assertThat(after).isEqualTo(before);
      assertThat(pager.generation()).isEqualTo(generation);
      assertThat(store.size()).isEqualTo(200);
      assertThat(store.get(bytes("key 7"))).isEqualTo(bytes("value 7"));
    }
  }

  @Test
  void aFullDiskFailsTheTransactionWholeAndTheNextOneWorks() throws IOException {
    SimulatedStorage storage = SimulatedStorage.builder().capacity(256 * 1024).build();
    try (Pager pager = Pager.create(storage, PagerOptions.defaults().withPageSize(1024))) {
      KvStore store = KvStore.on(pager);
      store.put(bytes("before"), bytes("the disk filled"));
      KvWriteTransaction tx = store.beginWrite();
      try (tx) {
        assertThatThrownBy(() -> tx.put(bytes("huge"), new byte[1 << 20])).isInstanceOf(GrowFailedException.class);
        assertThatThrownBy(() -> tx.get(bytes("before")))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("the write transaction is failed");
      }
      assertThat(store.get(bytes("huge"))).isNull();
      store.put(bytes("after"), bytes("it failed"));
      assertThat(store.get(bytes("before"))).isEqualTo(bytes("the disk filled"));
      assertThat(store.verify().problems()).isEmpty();
    }
  }

  @Test
  void keysOrderAsUnsignedBytesShorterFirst() throws IOException {
    byte[][] inOrder = {{}, {0}, {0, 0}, {1}, {0x7F}, {(byte) 0x80}, {(byte) 0x80, 0}, {(byte) 0xFF}};
    try (Pager pager = Pager.create(dir.resolve("order.pages"), FAST)) {
      KvStore store = KvStore.on(pager);
      try (KvWriteTransaction tx = store.beginWrite()) {
        for (int i = inOrder.length - 1; i >= 0; i--) {
          tx.put(inOrder[i], new byte[] {(byte) i});
        }
        tx.commit();
      }
      try (KvReadTransaction read = store.beginRead()) {
        KvCursor cursor = read.cursor();
        int i = 0;
        for (boolean on = cursor.first(); on; on = cursor.next()) {
          assertThat(cursor.key()).as("key %d", i).isEqualTo(inOrder[i]);
          i++;
        }
        assertThat(i).isEqualTo(inOrder.length);
      }
    }
  }

  @Test
  void aCursorSeeksAndMovesBothWays() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("cursor.pages"), FAST.withPageSize(1024))) {
      KvStore store = KvStore.on(pager);
      try (KvWriteTransaction tx = store.beginWrite()) {
        for (int i = 10; i < 1000; i += 10) {
          tx.put(bytes(String.format("%04d", i)), bytes("value " + i)); // several leaves
        }
        tx.commit();
      }
      try (KvReadTransaction read = store.beginRead()) {
        KvCursor cursor = read.cursor();
        assertThat(cursor.seekCeiling(bytes("0015"))).isTrue();
        assertThat(cursor.key()).isEqualTo(bytes("0020"));
        assertThat(cursor.seekCeiling(bytes("0020"))).isTrue();
        assertThat(cursor.key()).isEqualTo(bytes("0020"));
        assertThat(cursor.seekFloor(bytes("0015"))).isTrue();
        assertThat(cursor.key()).isEqualTo(bytes("0010"));
        assertThat(cursor.seekFloor(bytes("0005"))).isFalse();
        assertThat(cursor.isValid()).isFalse();
        assertThat(cursor.seekCeiling(bytes("0995"))).isFalse();
        assertThat(cursor.seekFloor(bytes("9999"))).isTrue();
        assertThat(cursor.key()).isEqualTo(bytes("0990"));
        assertThat(cursor.value()).isEqualTo(bytes("value 990"));
        assertThat(cursor.next()).isFalse();
        assertThatThrownBy(cursor::next).isInstanceOf(IllegalStateException.class).hasMessageContaining("on no entry");
        assertThatThrownBy(cursor::key).isInstanceOf(IllegalStateException.class);
        int count = 0;
        for (boolean on = cursor.last(); on; on = cursor.previous()) {
          count++;
        }
        assertThat(count).isEqualTo(99);
        assertThat(cursor.seekCeiling(bytes("0500"))).isTrue();
        assertThat(cursor.previous()).isTrue();
        assertThat(cursor.key()).isEqualTo(bytes("0490"));
        assertThat(cursor.next()).isTrue();
        assertThat(cursor.next()).isTrue();
        assertThat(cursor.key()).isEqualTo(bytes("0510"));
      }
    }
  }

  @Test
  void aChangeInvalidatesTheWriteTransactionsCursors() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("invalidated.pages"), FAST)) {
      KvStore store = KvStore.on(pager);
      try (KvWriteTransaction tx = store.beginWrite()) {
        tx.put(bytes("a"), bytes("1"));
        tx.put(bytes("b"), bytes("2"));
        KvCursor cursor = tx.cursor();
        assertThat(cursor.first()).isTrue();
        tx.put(bytes("c"), bytes("3"));
        assertThatThrownBy(cursor::next).isInstanceOf(ConcurrentModificationException.class);
        assertThat(cursor.seekCeiling(bytes("b"))).isTrue();
        assertThat(cursor.next()).isTrue();
        assertThat(cursor.key()).as("the cursor sees the transaction's own changes").isEqualTo(bytes("c"));
        assertThat(tx.delete(bytes("zzz"))).isFalse();
        assertThat(cursor.previous()).as("a delete that found nothing changed nothing").isTrue();
      }
    }
  }

  @Test
  void aClosedReadTransactionRefusesWork() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("closed.pages"), FAST)) {
      KvStore store = KvStore.on(pager);
      store.put(bytes("a"), bytes("1"));
      KvReadTransaction read = store.beginRead();
      KvCursor cursor = read.cursor();
      assertThat(cursor.first()).isTrue();
      read.close();
      assertThatThrownBy(() -> read.get(bytes("a"))).isInstanceOf(IllegalStateException.class)
          .hasMessage("the read transaction is closed");
      assertThatThrownBy(cursor::next).isInstanceOf(IllegalStateException.class);
      assertThat(pager.openSnapshots()).isZero();
    }
  }

  @Test
  void aReadOnlyPagerServesReadTransactionsOnly() throws IOException {
    Path path = dir.resolve("readonly.pages");
    try (Pager pager = Pager.create(path, FAST)) {
      KvStore.on(pager).put(bytes("a"), bytes("1"));
    }
    try (Pager pager = Pager.open(path, FAST.withReadOnly(true))) {
      KvStore store = KvStore.on(pager);
      assertThat(store.get(bytes("a"))).isEqualTo(bytes("1"));
      assertThat(store.verify().problems()).isEmpty();
      assertThatThrownBy(store::beginWrite).isInstanceOf(ReadOnlyPagerException.class);
    }
  }

  @Test
  void verifyAndVerifiedReadsNameADamagedNode() throws IOException {
    try (Pager pager = Pager.create(dir.resolve("damaged.pages"), FAST)) {
      KvStore store = KvStore.on(pager);
      for (int i = 0; i < 300; i++) {
        store.put(bytes("key " + i), bytes("value " + i));
      }
      long node = store.verify().pages().last();
      // A stray write into a page the store owns, as a buggy neighbour or bit rot would make.
      MappedPage page = pager.page(pager.pageId(node));
      page.putByte(page.size() - 1, (byte) (page.getByte(page.size() - 1) ^ 1));
      assertThat(store.verify().problems()).first().asString()
          .startsWith("node page " + node + " fails its checksum (recorded ");
      KvStore verified = KvStore.on(pager, KvOptions.defaults().withVerifiedReads(true));
      assertThatThrownBy(() -> {
        for (int i = 0; i < 300; i++) {
          verified.get(bytes("key " + i));
        }
      }).isInstanceOf(KvCorruptException.class).hasMessageContaining("node page " + node + " fails its checksum");
    }
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
