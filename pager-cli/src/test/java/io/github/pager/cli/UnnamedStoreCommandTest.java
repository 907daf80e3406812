package io.github.pager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.RootCatalog;
import io.github.pager.core.Transaction;
import io.github.pager.kv.KvOptions;
import io.github.pager.kv.KvStore;
import io.github.pager.kv.KvVerifyReport;
import io.github.pager.kv.KvWriteTransaction;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pages}, {@code stats} and {@code verify --strict} on real files holding key-value stores
 * without a name (no root catalog claim, found by their own root values), and on a file whose
 * default store slots hold plain user values that are not a store.
 */
class UnnamedStoreCommandTest {
  @TempDir Path dir;

  /** A file with an unnamed store at the default slots 16-19 and one at slots 3-6; returns their pages. */
  private static List<Set<Long>> writeTwoUnnamedStores(Path path) throws IOException {
    List<Set<Long>> pages = new ArrayList<>();
    try (Pager pager = Pager.create(path, PagerOptions.defaults())) {
      for (KvStore store : List.of(KvStore.on(pager), KvStore.on(pager, KvOptions.defaults().withRootSlot(3)))) {
        try (KvWriteTransaction tx = store.beginWrite()) {
          for (int i = 0; i < 500; i++) {
            tx.put(bytes(String.format("key %04d", i)), bytes(i % 100 == 0 ? "x".repeat(9000) : "value " + i));
          }
          tx.commit();
        }
        KvVerifyReport report = store.verify();
        assertThat(report.isClean()).as(report.toString()).isTrue();
        assertThat(report.height()).isGreaterThanOrEqualTo(2);
        pages.add(report.pages());
      }
      assertThat(RootCatalog.of(pager).exists()).as("stores without a name claim nothing").isFalse();
    }
    return pages;
  }

  @Test
  void verifyStrictAndStatsAccountForEveryPageOfUnnamedStores() throws IOException {
    Path path = dir.resolve("unnamed.pages");
    List<Set<Long>> stores = writeTwoUnnamedStores(path);

    CommandRun verify = CommandRun.of("verify", "--strict", "--json", path.toString());
    assertThat(verify.code()).as(verify.out() + verify.err()).isZero();
    JsonNode report = verify.result();
    assertThat(report.get("pagesOwnedByNoKnownStructure").asLong()).isZero();
    List<String> structures = new ArrayList<>();
    report.get("structures").forEach(structure -> structures.add(structure.get("kind").asText() + " "
        + structure.get("firstSlot").asInt() + "-" + structure.get("lastSlot").asInt() + ": "
        + structure.get("description").asText()));
    assertThat(structures).containsExactlyInAnyOrder(
        "pager-kv 3-6: pager-kv without a name, key-value store: 500 entries",
        "pager-kv 16-19: pager-kv without a name, key-value store: 500 entries");

    CommandRun stats = CommandRun.of("stats", "--json", path.toString());
    assertThat(stats.code()).as(stats.err()).isZero();
    JsonNode owners = stats.result().get("pagesByOwner");
    assertThat(owners.get("structurePage").asLong()).isEqualTo(stores.get(0).size() + stores.get(1).size());
    assertThat(owners.get("user").asLong()).isZero();
  }

  @Test
  void pagesLabelsTheNodesOfAnUnnamedStoreAtItsSlots() throws IOException {
    Path path = dir.resolve("unnamed.pages");
    List<Set<Long>> stores = writeTwoUnnamedStores(path);
    CommandRun run = CommandRun.of("pages", "--json", path.toString());
    assertThat(run.code()).as(run.err()).isZero();
    Set<Long> atSlot16 = new TreeSet<>();
    Set<Long> atSlot3 = new TreeSet<>();
    for (JsonNode page : run.result().get("pages")) {
      String kind = page.get("kind").asText();
      assertThat(kind).as("page %s: %s", page.get("page"), page.get("label")).isNotEqualTo("user");
      if (kind.equals("structurePage")) {
        assertThat(page.get("structureKind").asText()).isEqualTo("pager-kv");
        assertThat(page.has("structure")).as("an unnamed store has no name").isFalse();
        int baseSlot = page.get("baseSlot").asInt();
        assertThat(page.get("label").asText()).matches(
            "(leaf node|branch node \\(level \\d\\)|overflow page \\d of 3 of an entry in node page \\d+, cell \\d+)"
                + "(, the root)?, pager-kv at slot " + baseSlot);
        (baseSlot == 16 ? atSlot16 : atSlot3).add(page.get("page").asLong());
      }
    }
    assertThat(atSlot16).isEqualTo(stores.get(0));
    assertThat(atSlot3).isEqualTo(stores.get(1));
  }

  @Test
  void userValuesInTheDefaultStoreSlotsStayUserPagesAndVerifyPasses() throws IOException {
    Path path = dir.resolve("user.pages");
    long userPage;
    try (Pager pager = Pager.create(path, PagerOptions.defaults())) {
      try (Transaction tx = pager.begin()) {
        PageId page = tx.alloc();
        pager.page(page).putLong(0, 1234);
        userPage = page.index();
        // What an application might keep where a store would: a page, a count, a small tag, a hash.
        tx.setRoot(16, userPage);
        tx.setRoot(17, userPage);
        tx.setRoot(18, 0);
        tx.setRoot(19, 500);
        tx.setRoot(20, 0x50474B5600000002L); // a store's tag with a format version no store has
        tx.setRoot(21, userPage);
        tx.commit();
      }
    }
    CommandRun verify = CommandRun.of("verify", "--json", path.toString());
    assertThat(verify.code()).as(verify.out() + verify.err()).isZero();
    assertThat(verify.result().get("structures")).isEmpty();
    assertThat(verify.result().get("pagesOwnedByNoKnownStructure").asLong()).isEqualTo(1);

    CommandRun pages = CommandRun.of("pages", "--json", "--from", Long.toString(userPage), "--count", "1",
        path.toString());
    assertThat(pages.code()).as(pages.err()).isZero();
    assertThat(pages.result().get("pages").get(0).get("kind").asText()).isEqualTo("user");
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
