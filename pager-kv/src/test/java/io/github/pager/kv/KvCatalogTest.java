package io.github.pager.kv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.github.pager.core.Durability;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.RootCatalog;
import io.github.pager.core.RootClaim;
import io.github.pager.core.RootClaimConflictException;
import io.github.pager.core.StructureInspection;
import io.github.pager.core.StructureInspector;
import io.github.pager.core.Transaction;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Stores claimed by name in the root catalog, and the inspector tools load for them. */
class KvCatalogTest {
  private static final PagerOptions FAST = PagerOptions.defaults().withDurability(Durability.NONE);

  @TempDir Path dir;

  private Path file() {
    return dir.resolve("named.pages");
  }

  @Test
  void aNamedStoreClaimsItsSlotsWithItsFirstCommitAndAReopenFindsItByName() throws IOException {
    try (Pager pager = Pager.create(file(), FAST)) {
      KvStore orders = KvStore.on(pager, KvOptions.defaults().withName("orders"));
      assertThat(RootCatalog.of(pager).exists()).as("on() makes no commit").isFalse();
      assertThat(orders.size()).isZero();
      try (KvReadTransaction read = orders.beginRead()) {
        assertThat(read.get(bytes("a"))).isNull();
      }
      orders.put(bytes("a"), bytes("1"));
      KvStore users = KvStore.on(pager, KvOptions.defaults().withName("users"));
      users.put(bytes("a"), bytes("2"));
      assertThat(RootCatalog.of(pager).claims()).containsExactly(
          new RootClaim("orders", KvOptions.KIND, 0, 4), new RootClaim("users", KvOptions.KIND, 4, 4),
          RootCatalog.SELF);
      assertThat(orders.toString()).contains("\"orders\"", "root slots 0-3");
    }
    try (Pager pager = Pager.open(file(), FAST.withReadOnly(true))) {
      assertThat(KvStore.on(pager, KvOptions.defaults().withName("orders")).get(bytes("a"))).containsExactly('1');
      assertThat(KvStore.on(pager, KvOptions.defaults().withName("users")).get(bytes("a"))).containsExactly('2');
      KvStore absent = KvStore.on(pager, KvOptions.defaults().withName("absent"));
      assertThat(absent.size()).isZero();
      assertThatThrownBy(absent::beginWrite).isInstanceOf(io.github.pager.core.ReadOnlyPagerException.class);
    }
  }

  @Test
  void aNamedStoreSeesAClaimThatAnotherStoreObjectMade() throws IOException {
    try (Pager pager = Pager.create(file(), FAST)) {
      KvStore early = KvStore.on(pager, KvOptions.defaults().withName("shared"));
      KvStore writer = KvStore.on(pager, KvOptions.defaults().withName("shared"));
      writer.put(bytes("k"), bytes("v"));
      assertThat(early.get(bytes("k"))).containsExactly('v');
      early.put(bytes("k2"), bytes("v2"));
      assertThat(writer.size()).isEqualTo(2);
      assertThat(RootCatalog.of(pager).claims()).hasSize(2);
    }
  }

  @Test
  void aNamedStoreTakesNoSlotsThatAStoreAtFixedSlotsUses() throws IOException {
    try (Pager pager = Pager.create(file(), FAST)) {
      KvStore fixed = KvStore.on(pager, KvOptions.defaults().withRootSlot(0));
      fixed.put(bytes("fixed"), bytes("x"));
      KvStore named = KvStore.on(pager, KvOptions.defaults().withName("named"));
      named.put(bytes("named"), bytes("y"));
      assertThat(RootCatalog.of(pager).find("named").orElseThrow().firstSlot()).isEqualTo(4);
      assertThat(fixed.get(bytes("fixed"))).containsExactly('x');
      assertThat(fixed.get(bytes("named"))).isNull();
    }
  }

  @Test
  void twoStructuresCannotCollideOnClaimedSlots() throws IOException {
    try (Pager pager = Pager.create(file(), FAST)) {
      KvStore orders = KvStore.on(pager, KvOptions.defaults().withName("orders").withRootSlot(8));
      orders.put(bytes("a"), bytes("1"));
      // A store at fixed slots that overlap the claim is refused, opening and writing.
      assertThatThrownBy(() -> KvStore.on(pager, KvOptions.defaults().withRootSlot(10)))
          .isInstanceOf(RootClaimConflictException.class)
          .hasMessageContaining("root slots 10-13 are claimed by \"orders\" (pager-kv, slots 8-11)");
      // The same slots without the name are the same store: accepted.
      assertThat(KvStore.on(pager, KvOptions.defaults().withRootSlot(8)).get(bytes("a"))).containsExactly('1');
      // The name at other slots, or claimed as another kind, is refused.
      assertThatThrownBy(() -> KvStore.on(pager, KvOptions.defaults().withName("orders").withRootSlot(0)))
          .isInstanceOf(RootClaimConflictException.class)
          .hasMessageContaining("from slot 0");
      try (Transaction tx = pager.begin()) {
        assertThatThrownBy(() -> RootCatalog.claim(tx, "orders", "pager-protected", 5))
            .isInstanceOf(RootClaimConflictException.class);
      }
      // A store at fixed slots opened before a claim covered them is refused at its first write.
      KvStore opened = KvStore.on(pager, KvOptions.defaults().withRootSlot(20));
      try (Transaction tx = pager.begin()) {
        RootCatalog.claimAt(tx, "later", "something-else", 21, 2);
        tx.commit();
      }
      assertThatThrownBy(() -> opened.put(bytes("b"), bytes("2")))
          .isInstanceOf(RootClaimConflictException.class)
          .hasMessageContaining("\"later\"");
      assertThat(pager.root(20)).as("nothing written").isZero();
    }
  }

  @Test
  void aBareTransactionCannotOverwriteANamedStoresRoot() throws IOException {
    try (Pager pager = Pager.create(file(), FAST)) {
      KvStore orders = KvStore.on(pager, KvOptions.defaults().withName("orders"));
      orders.put(bytes("a"), bytes("1"));
      RootClaim claim = RootCatalog.of(pager).find("orders").orElseThrow();
      long rootPage = pager.root(claim.slot(1));
      try (Transaction tx = pager.begin()) {
        assertThatThrownBy(() -> tx.setRoot(claim.slot(1), 0))
            .isInstanceOf(RootClaimConflictException.class)
            .hasMessageContaining("root slot " + claim.slot(1))
            .hasMessageContaining("\"orders\" (pager-kv, slots 0-3)");
        tx.commit();
      }
      assertThat(pager.root(claim.slot(1))).isEqualTo(rootPage);
      assertThat(orders.get(bytes("a"))).containsExactly('1');
      // The store itself writes through its claim, named or opened at exactly its slots.
      orders.put(bytes("b"), bytes("2"));
      KvStore sameSlots = KvStore.on(pager, KvOptions.defaults().withRootSlot(claim.firstSlot()));
      sameSlots.put(bytes("c"), bytes("3"));
      assertThat(orders.size()).isEqualTo(3);
      assertThat(orders.verify().isClean()).isTrue();
    }
  }

  @Test
  void theInspectorThatToolsLoadVerifiesAStoreAndLabelsEveryPageItOwns() throws IOException {
    try (Pager pager = Pager.create(file(), PagerOptions.defaults().withPageSize(1024).withDurability(Durability.NONE))) {
      KvStore store = KvStore.on(pager, KvOptions.defaults().withName("orders"));
      try (KvWriteTransaction tx = store.beginWrite()) {
        for (int i = 0; i < 400; i++) {
          tx.put(bytes("key " + i), bytes("v".repeat(i % 7 == 0 ? 3000 : 20)));
        }
        tx.commit();
      }
      // The module provides it to ServiceLoader (pager-cli's CatalogStructuresCommandTest loads it so).
      java.lang.module.ModuleDescriptor module = KvInspector.class.getModule().getDescriptor();
      if (module != null) {
        assertThat(module.provides()).anyMatch(provides -> provides.service().equals(StructureInspector.class.getName())
            && provides.providers().equals(List.of(KvInspector.class.getName())));
      }
      StructureInspector inspector = new KvInspector();
      assertThat(inspector.kind()).isEqualTo("pager-kv");
      RootClaim claim = RootCatalog.of(pager).find("orders").orElseThrow();
      StructureInspection inspection = inspector.inspect(pager, claim);
      assertThat(inspection.description()).isEqualTo("key-value store: 400 entries");
      assertThat(inspection.verify()).isEmpty();
      TreeMap<Long, String> roles = new TreeMap<>();
      List<String> labels = new ArrayList<>();
      inspection.forEachPage((page, role, label) -> {
        assertThat(roles.put(page, role)).as("page %d given once", page).isNull();
        labels.add(label);
      });
      assertThat(roles).containsValues("node", "overflow");
      assertThat(labels).anyMatch(label -> label.startsWith("branch node (level ") && label.endsWith(", the root"))
          .anyMatch(label -> label.equals("leaf node"))
          .anyMatch(label -> label.startsWith("overflow page 1 of 3 of an entry in node page"));
      assertThat(new TreeSet<>(roles.keySet())).isEqualTo(store.verify().pages());
      // Every allocated page is the store's or a node of the catalog.
      TreeSet<Long> allocated = new TreeSet<>();
      pager.forEachAllocated(id -> allocated.add(id.index()));
      TreeSet<Long> owned = new TreeSet<>(roles.keySet());
      owned.addAll(pager.readArray(RootCatalog.CATALOG_SLOT, RootCatalog.RECORD_SIZE).nodePages());
      assertThat(owned).isEqualTo(allocated);
      assertThatThrownBy(() -> new KvInspector().inspect(pager, new RootClaim("x", "pager-protected", 0, 5)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void theInspectorFindsStoresWithoutANameByTheirTagAndNothingElse() throws IOException {
    try (Pager pager = Pager.create(file(), FAST)) {
      KvStore.on(pager).put(bytes("a"), bytes("1")); // slots 16-19
      KvStore atTheEnd = KvStore.on(pager, KvOptions.defaults().withRootSlot(28));
      atTheEnd.put(bytes("b"), bytes("2"));
      atTheEnd.put(bytes("c"), bytes("3"));
      try (Transaction tx = pager.begin()) {
        tx.setRoot(0, 77); // plain values of the application
        tx.setRoot(1, 3);
        tx.setRoot(4, RootSlots.TAG_BASE | 2); // a tag of a format version this module does not write
        tx.setRoot(8, RootSlots.TAG); // the tag, but a root page without a height: not a store's slots
        tx.setRoot(9, 5);
        tx.commit();
      }
      StructureInspector inspector = new KvInspector();
      List<Integer> found = new ArrayList<>();
      for (int slot = 0; slot < Transaction.ROOT_SLOTS; slot++) {
        inspector.inspectUnclaimed(pager, slot).ifPresent(at -> found.add(at.firstSlot() * 100 + at.lastSlot()));
      }
      assertThat(found).containsExactly(16_19, 28_31);
      StructureInspector.Unclaimed store = inspector.inspectUnclaimed(pager, 28).orElseThrow();
      assertThat(store.inspection().description()).isEqualTo("key-value store: 2 entries");
      assertThat(store.inspection().verify()).isEmpty();
      TreeSet<Long> pages = new TreeSet<>();
      store.inspection().forEachPage((page, role, label) -> pages.add(page));
      assertThat(pages).isEqualTo(atTheEnd.verify().pages());
      assertThat(inspector.inspectUnclaimed(pager, -1)).isEmpty();
    }
  }

  static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
