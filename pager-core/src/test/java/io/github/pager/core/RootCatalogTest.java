package io.github.pager.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The root catalog on real files: claims by name, their refusals, and files without one. */
class RootCatalogTest {
  @TempDir Path dir;

  private Path file() {
    return dir.resolve("catalog.db");
  }

  private static RootClaim claim(Pager pager, String name, String kind, int count) throws IOException {
    try (Transaction tx = pager.begin()) {
      RootClaim claim = RootCatalog.claim(tx, name, kind, count);
      tx.commit();
      return claim;
    }
  }

  @Test
  void claimsTakeTheLowestFreeSlotsAndSurviveAReopen() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      assertThat(RootCatalog.of(pager).exists()).isFalse();
      assertThat(claim(pager, "orders", "test-index", 4)).isEqualTo(new RootClaim("orders", "test-index", 0, 4));
      assertThat(claim(pager, "users", "test-index", 2)).isEqualTo(new RootClaim("users", "test-index", 4, 2));
      // Asked again, a name gets the claim it has.
      assertThat(claim(pager, "orders", "test-index", 4).firstSlot()).isZero();
    }
    try (Pager pager = Pager.open(file(), PagerOptions.defaults().withReadOnly(true))) {
      RootCatalog catalog = RootCatalog.of(pager);
      assertThat(catalog.exists()).isTrue();
      assertThat(catalog.claims()).containsExactly(
          new RootClaim("orders", "test-index", 0, 4), new RootClaim("users", "test-index", 4, 2), RootCatalog.SELF);
      assertThat(catalog.find("users").orElseThrow().slot(1)).isEqualTo(5);
      assertThat(catalog.claimOf(31)).contains(RootCatalog.SELF);
      assertThat(catalog.claimOf(6)).isEmpty();
      try (Snapshot snapshot = pager.snapshot()) {
        assertThat(RootCatalog.of(snapshot).claims()).isEqualTo(catalog.claims());
      }
    }
  }

  @Test
  void aClaimByNameNeverTakesSlotsThatHoldValues() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      try (Transaction tx = pager.begin()) {
        tx.setRoot(1, 77); // a structure at fixed slots, without a claim
        tx.bitmap(3).set(5); // and a bitmap opened in the same transaction, its root values not set yet
        assertThat(RootCatalog.claim(tx, "a", "k", 2)).isEqualTo(new RootClaim("a", "k", 5, 2));
        tx.commit();
      }
      assertThat(claim(pager, "b", "k", 1).firstSlot()).isZero();
      assertThat(claim(pager, "c", "k", 1).firstSlot()).isEqualTo(2);
      assertThat(pager.root(1)).isEqualTo(77);
    }
  }

  @Test
  void overlappingClaimsAndNamesOfAnotherKindAreRefused() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      RootClaim orders;
      try (Transaction tx = pager.begin()) {
        orders = RootCatalog.claimAt(tx, "orders", "test-index", 8, 4);
        tx.commit();
      }
      long generation = pager.generation();
      try (Transaction tx = pager.begin()) {
        assertThatThrownBy(() -> RootCatalog.claimAt(tx, "sessions", "pages", 10, 5))
            .isInstanceOf(RootClaimConflictException.class)
            .hasMessageContaining("slots 10-14")
            .hasMessageContaining("\"orders\" (test-index, slots 8-11)")
            .satisfies(e -> assertThat(((RootClaimConflictException) e).owner()).isEqualTo(orders));
        assertThatThrownBy(() -> RootCatalog.claim(tx, "orders", "pages", 4))
            .isInstanceOf(RootClaimConflictException.class)
            .hasMessageContaining("not as a pages");
        assertThatThrownBy(() -> RootCatalog.claim(tx, "orders", "test-index", 3))
            .isInstanceOf(RootClaimConflictException.class);
        assertThatThrownBy(() -> RootCatalog.claimAt(tx, "orders", "test-index", 0, 4))
            .isInstanceOf(RootClaimConflictException.class)
            .hasMessageContaining("claimed at slots 8-11");
        assertThatThrownBy(() -> RootCatalog.claimAt(tx, "late", "k", 29, 2))
            .isInstanceOf(RootClaimConflictException.class)
            .hasMessageContaining(RootCatalog.CATALOG_NAME);
        // A structure opened at fixed slots asks the catalog too.
        RootCatalog catalog = RootCatalog.of(tx);
        assertThatThrownBy(() -> catalog.requireAvailable(11, 2, "test-index"))
            .isInstanceOf(RootClaimConflictException.class);
        assertThatThrownBy(() -> catalog.requireAvailable(8, 4, "pages"))
            .isInstanceOf(RootClaimConflictException.class);
        catalog.requireAvailable(8, 4, "test-index"); // the claimed structure itself
        catalog.requireAvailable(12, 4, "pages");
        tx.commit();
      }
      assertThat(pager.generation()).as("refusals change nothing").isEqualTo(generation);
      assertThat(RootCatalog.of(pager).claims()).containsExactly(orders, RootCatalog.SELF);
    }
  }

  @Test
  void aPlainSetRootOnAClaimedSlotIsRefused() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      RootClaim orders = claim(pager, "orders", "test-index", 4);
      long generation = pager.generation();
      try (Transaction tx = pager.begin()) {
        assertThatThrownBy(() -> tx.setRoot(2, 99))
            .isInstanceOf(RootClaimConflictException.class)
            .hasMessageContaining("root slot 2")
            .hasMessageContaining("\"orders\"")
            .hasMessageContaining("test-index")
            .satisfies(e -> assertThat(((RootClaimConflictException) e).owner()).isEqualTo(orders));
        // The catalog's own slots are the catalog's.
        assertThatThrownBy(() -> tx.setRoot(RootCatalog.CATALOG_SLOT + 1, 1))
            .isInstanceOf(RootClaimConflictException.class)
            .hasMessageContaining(RootCatalog.CATALOG_NAME);
        tx.setRoot(4, 5); // no claim covers slot 4
        tx.setRoot(orders, 2, 99); // the owner writes through its claim
        assertThat(tx.root(2)).isEqualTo(99);
        tx.commit();
      }
      assertThat(pager.root(2)).isEqualTo(99);
      assertThat(pager.root(4)).isEqualTo(5);
      assertThat(pager.generation()).isEqualTo(generation + 1);
      assertThat(RootCatalog.of(pager).claims()).containsExactly(orders, RootCatalog.SELF);
    }
  }

  @Test
  void aClaimWritesOnlyItsOwnSlotsAndOnlyWhileTheCatalogHoldsIt() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      RootClaim orders = claim(pager, "orders", "test-index", 2);
      try (Transaction tx = pager.begin()) {
        assertThatThrownBy(() -> tx.setRoot(orders, 2, 1)).isInstanceOf(IndexOutOfBoundsException.class);
        // A claim the catalog does not hold: another kind, or slots nobody claimed.
        assertThatThrownBy(() -> tx.setRoot(new RootClaim("orders", "other-kind", 0, 2), 0, 1))
            .isInstanceOf(RootClaimConflictException.class)
            .hasMessageContaining("is not a claim of the root catalog")
            .hasMessageContaining("claimed by \"orders\" (test-index, slots 0-1)");
        assertThatThrownBy(() -> tx.setRoot(new RootClaim("ghost", "k", 5, 1), 0, 1))
            .isInstanceOf(RootClaimConflictException.class)
            .hasMessageContaining("claimed by no structure");
        assertThatThrownBy(() -> tx.setRoot(RootCatalog.SELF, 0, 1))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("written by RootCatalog alone");
        // A claim made in this transaction is written through at once; its slots refuse plain writes.
        RootClaim users = RootCatalog.claim(tx, "users", "test-index", 1);
        assertThatThrownBy(() -> tx.setRoot(users.firstSlot(), 3)).isInstanceOf(RootClaimConflictException.class);
        tx.setRoot(users, 0, 3);
        tx.commit();
      }
      assertThat(pager.root(2)).isEqualTo(3);
      // The next transaction sees the committed claim (the kept catalog was dropped by the commit).
      try (Transaction tx = pager.begin()) {
        assertThatThrownBy(() -> tx.setRoot(2, 4)).isInstanceOf(RootClaimConflictException.class);
        assertThat(RootCatalog.release(tx, "users")).isTrue();
        tx.setRoot(2, 4); // released in this transaction: free to set
        assertThatThrownBy(() -> tx.setRoot(new RootClaim("users", "test-index", 2, 1), 0, 5))
            .isInstanceOf(RootClaimConflictException.class);
        tx.commit();
      }
      try (Transaction tx = pager.begin()) {
        tx.setRoot(2, 5);
        tx.setRoot(orders, 1, 6);
        assertThatThrownBy(() -> tx.setRoot(1, 7)).isInstanceOf(RootClaimConflictException.class);
        tx.commit();
      }
      assertThat(pager.root(2)).isEqualTo(5);
      assertThat(pager.root(1)).isEqualTo(6);
    }
  }

  @Test
  void everySlotIsFreeToSetInAFileWithoutACatalog() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      try (Transaction tx = pager.begin()) {
        for (int slot = 0; slot < Transaction.ROOT_SLOTS; slot++) {
          tx.setRoot(slot, 1000 + slot);
        }
        assertThatThrownBy(() -> tx.setRoot(new RootClaim("x", "k", 0, 1), 0, 1))
            .isInstanceOf(RootClaimConflictException.class);
        tx.commit();
      }
      assertThat(pager.root(RootCatalog.CATALOG_SLOT + 1)).isEqualTo(1031);
      // Slots 30 and 31 hold another structure's values: still no catalog, and still free.
      assertThat(RootCatalog.of(pager).acceptsClaims()).isFalse();
      try (Transaction tx = pager.begin()) {
        tx.setRoot(RootCatalog.CATALOG_SLOT, 7);
        tx.setRoot(3, 8);
        tx.commit();
      }
      assertThat(pager.root(RootCatalog.CATALOG_SLOT)).isEqualTo(7);
    }
  }

  @Test
  void noRoomIsARefusalNamingTheClaims() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      claim(pager, "big", "k", 20);
      try (Transaction tx = pager.begin()) {
        assertThatThrownBy(() -> RootCatalog.claim(tx, "more", "k", 11))
            .isInstanceOf(RootClaimConflictException.class)
            .hasMessageContaining("no 11 consecutive root slots are free")
            .hasMessageContaining("\"big\"");
        assertThat(RootCatalog.claim(tx, "fits", "k", 10).firstSlot()).isEqualTo(20);
      }
    }
  }

  @Test
  void aRolledBackClaimLeavesNoCatalog() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      try (Transaction tx = pager.begin()) {
        RootCatalog.claim(tx, "gone", "k", 3);
        assertThat(RootCatalog.of(tx).find("gone")).isPresent();
      }
      assertThat(RootCatalog.of(pager).exists()).isFalse();
      assertThat(pager.root(RootCatalog.CATALOG_SLOT)).isZero();
      assertThat(pager.root(RootCatalog.CATALOG_SLOT + 1)).isZero();
    }
  }

  @Test
  void aFileWhoseCatalogSlotsHoldOtherValuesKeepsThemAndRefusesClaims() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      try (Transaction tx = pager.begin()) {
        tx.setRoot(30, 123);
        tx.setRoot(31, 456);
        tx.commit();
      }
    }
    try (Pager pager = Pager.open(file())) {
      RootCatalog catalog = RootCatalog.of(pager);
      assertThat(catalog.exists()).isFalse();
      assertThat(catalog.acceptsClaims()).isFalse();
      assertThat(catalog.claims()).isEmpty();
      catalog.requireAvailable(30, 2, "anything"); // fixed slots keep working
      try (Transaction tx = pager.begin()) {
        assertThatThrownBy(() -> RootCatalog.claim(tx, "x", "k", 1))
            .isInstanceOf(RootClaimConflictException.class)
            .hasMessageContaining("root slots 30-31")
            .hasMessageContaining("cannot hold claims by name");
        tx.setRoot(30, 124);
        tx.commit();
      }
      assertThat(pager.root(30)).isEqualTo(124);
      assertThat(pager.root(31)).isEqualTo(456);
    }
  }

  @Test
  void anArrayOfSixtyFourByteRecordsAtSlotThirtyIsNotTakenForACatalog() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      try (Transaction tx = pager.begin()) {
        tx.array(30, RootCatalog.RECORD_SIZE).set(30, new long[] {1, 2, 3, 4, 5, 6, 7, 8});
        tx.commit();
      }
      assertThat(RootCatalog.of(pager).acceptsClaims()).isFalse();
      assertThat(pager.readArray(30, RootCatalog.RECORD_SIZE).get(30)).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
    }
  }

  @Test
  void recordsHoldTheBytesFormatMdSpecifies() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      try (Transaction tx = pager.begin()) {
        RootCatalog.claimAt(tx, "orders", "pager-kv", 4, 4);
        tx.commit();
      }
      byte[] record = bytes(pager.readArray(RootCatalog.CATALOG_SLOT, RootCatalog.RECORD_SIZE).get(4));
      assertThat(Arrays.copyOfRange(record, 0, 8)).containsExactly(4, 4, 6, 8, 0, 0, 0, 0);
      assertThat(new String(record, 8, 6, StandardCharsets.US_ASCII)).isEqualTo("orders");
      assertThat(Arrays.copyOfRange(record, 14, 40)).containsOnly(0);
      assertThat(new String(record, 40, 8, StandardCharsets.US_ASCII)).isEqualTo("pager-kv");
      assertThat(Arrays.copyOfRange(record, 48, 64)).containsOnly(0);
      byte[] self = bytes(pager.readArray(RootCatalog.CATALOG_SLOT, RootCatalog.RECORD_SIZE).get(30));
      assertThat(Arrays.copyOfRange(self, 0, 4)).containsExactly(30, 2, 13, 13);
      assertThat(new String(self, 8, 13, StandardCharsets.US_ASCII)).isEqualTo("pager.catalog");
      assertThat(new String(self, 40, 13, StandardCharsets.US_ASCII)).isEqualTo("pager.catalog");
      assertThat(pager.root(31) >>> 40 & 0xFFFF).isEqualTo(64);
    }
  }

  @Test
  void aRecordThatBreaksTheFormatIsReportedAsDamage() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      try (Transaction tx = pager.begin()) {
        RootCatalog.claim(tx, "ok", "k", 1);
        long[] wrongFirstSlot = RootCatalog.encode(new RootClaim("bad", "k", 5, 1));
        tx.array(RootCatalog.CATALOG_SLOT, RootCatalog.RECORD_SIZE).set(6, wrongFirstSlot);
        tx.commit();
      }
      assertThatThrownBy(() -> RootCatalog.of(pager))
          .isInstanceOf(CorruptPageFileException.class)
          .hasMessageContaining("root catalog record 6 is not a valid claim");
    }
  }

  @Test
  void aReleasedClaimFreesItsSlotsForTheNext() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      claim(pager, "first", "k", 3);
      try (Transaction tx = pager.begin()) {
        assertThat(RootCatalog.release(tx, "first")).isTrue();
        assertThat(RootCatalog.release(tx, "never")).isFalse();
        tx.commit();
      }
      assertThat(claim(pager, "second", "k", 2).firstSlot()).isZero();
      assertThat(RootCatalog.of(pager).claims()).extracting(RootClaim::name).containsExactly("second", "pager.catalog");
    }
  }

  @Test
  void badNamesAreRefusedBeforeAnythingIsRead() {
    assertThatThrownBy(() -> new RootClaim("two words", "k", 0, 1)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("printable ASCII without spaces");
    assertThatThrownBy(() -> new RootClaim("x".repeat(33), "k", 0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RootClaim("", "k", 0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new RootClaim("a", "k", 30, 3)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("does not fit");
    assertThat(List.of(new RootClaim("a", "k", 2, 3).lastSlot())).containsExactly(4);
  }

  @Test
  void stepsRegisteredBeforeCommitRunInsideItAndTheirFailureRollsBack() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults())) {
      try (Transaction tx = pager.begin()) {
        tx.beforeCommit(() -> tx.setRoot(3, 33));
        assertThat(tx.layerState("key", StringBuilder.class, StringBuilder::new))
            .isSameAs(tx.layerState("key", StringBuilder.class, StringBuilder::new));
        assertThatThrownBy(() -> tx.layerState("key", String.class, () -> "x")).isInstanceOf(IllegalStateException.class);
        tx.commit();
        assertThat(tx.isOpen()).isFalse();
      }
      assertThat(pager.root(3)).isEqualTo(33);
      try (Transaction tx = pager.begin()) {
        tx.setRoot(4, 44);
        tx.beforeCommit(() -> {
          throw new IOException("a layer failed");
        });
        assertThatThrownBy(tx::commit).hasMessage("a layer failed");
        assertThat(tx.isOpen()).isFalse();
      }
      assertThat(pager.root(4)).isZero();
      try (Transaction tx = pager.begin()) {
        tx.commit(); // the writer lock was released by the failed one's close
      }
    }
  }

  private static byte[] bytes(long[] words) {
    byte[] bytes = new byte[words.length * 8];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (words[i / 8] >>> (8 * (i % 8)));
    }
    return bytes;
  }
}
