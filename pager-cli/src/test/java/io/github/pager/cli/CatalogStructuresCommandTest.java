package io.github.pager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.RootCatalog;
import io.github.pager.kv.KvOptions;
import io.github.pager.kv.KvStore;
import io.github.pager.kv.KvVerifyReport;
import io.github.pager.kv.KvWriteTransaction;
import io.github.pager.protectedpages.ProtectedPageAllocator;
import io.github.pager.protectedpages.ProtectedPageId;
import io.github.pager.protectedpages.ProtectedTransaction;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verify --strict}, {@code pages}, {@code stats} and {@code info} on a real file holding a
 * key-value store and protected pages claimed by name: the store's pages are known through
 * pager-kv's inspector, found with {@code ServiceLoader}, so no page is left unowned.
 */
class CatalogStructuresCommandTest {
  @TempDir Path dir;

  private Path path;
  private Set<Long> storePages;
  private long overflowPages;

  @BeforeEach
  void build() throws IOException {
    path = dir.resolve("store.pages");
    try (Pager pager = Pager.create(path, PagerOptions.defaults())) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, "sessions");
      KvStore store = KvStore.on(pager, KvOptions.defaults().withName("orders"));
      try (ProtectedTransaction tx = pages.begin()) {
        KvWriteTransaction kv = store.join(tx.pagerTransaction());
        for (int i = 0; i < 600; i++) {
          kv.put(bytes(String.format("order %04d", i)), bytes(i % 100 == 0 ? "x".repeat(9000) : "value " + i));
        }
        ProtectedPageId id = tx.alloc();
        tx.write(id).set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0, 42L);
        tx.commit();
      }
      KvVerifyReport report = store.verify();
      assertThat(report.isClean()).as(report.toString()).isTrue();
      assertThat(report.height()).as("branches and leaves").isGreaterThanOrEqualTo(2);
      storePages = report.pages();
      overflowPages = report.overflowPages();
      assertThat(overflowPages).isPositive();
      assertThat(RootCatalog.of(pager).claims()).extracting(claim -> claim.name())
          .containsExactly("sessions", "orders", RootCatalog.CATALOG_NAME);
    }
  }

  @Test
  void verifyStrictAccountsForEveryPageOfTheStore() {
    CommandRun run = CommandRun.of("verify", "--strict", "--json", path.toString());
    assertThat(run.code()).as(run.out() + run.err()).isZero();
    assertThat(run.json().get("ok").asBoolean()).isTrue();
    JsonNode report = run.result();
    assertThat(report.get("pagesOwnedByNoKnownStructure").asLong()).isZero();
    assertThat(report.get("allocatedPages").asLong()).isEqualTo(report.get("pagesOwnedByStructures").asLong());
    Map<String, String> kinds = new HashMap<>();
    Map<String, String> descriptions = new HashMap<>();
    report.get("structures").forEach(structure -> {
      String slots = structure.get("firstSlot").asInt() + "-" + structure.get("lastSlot").asInt();
      kinds.put(slots, structure.get("kind").asText());
      descriptions.put(slots, structure.get("description").asText());
    });
    assertThat(kinds.get("0-4")).isEqualTo("protectedPages");
    assertThat(kinds.get("5-8")).isEqualTo("pager-kv");
    assertThat(descriptions.get("5-8")).isEqualTo("pager-kv \"orders\", key-value store: 600 entries");
    assertThat(kinds.get("30-31")).isEqualTo("rootCatalog");
    assertThat(descriptions.get("30-31")).isEqualTo("root catalog: 2 claim(s)");
  }

  @Test
  void pagesLabelsTheStoresNodesAndOverflowPages() {
    CommandRun run = CommandRun.of("pages", "--json", path.toString());
    assertThat(run.code()).as(run.err()).isZero();
    Set<Long> labelledStorePages = new TreeSet<>();
    long overflow = 0;
    for (JsonNode page : run.result().get("pages")) {
      String kind = page.get("kind").asText();
      assertThat(kind).as("page %s: %s", page.get("page"), page.get("label")).isNotEqualTo("user");
      if (kind.equals("structurePage")) {
        labelledStorePages.add(page.get("page").asLong());
        assertThat(page.get("structure").asText()).isEqualTo("orders");
        assertThat(page.get("structureKind").asText()).isEqualTo("pager-kv");
        assertThat(page.get("baseSlot").asInt()).isEqualTo(5);
        String role = page.get("role").asText();
        assertThat(role).isIn("node", "overflow");
        if (role.equals("overflow")) {
          overflow++;
          assertThat(page.get("label").asText()).matches("overflow page \\d of 3 of an entry in node page \\d+, cell \\d+,"
              + " pager-kv \"orders\" at slot 5");
        } else {
          assertThat(page.get("label").asText()).matches("(leaf node|branch node \\(level \\d\\))(, the root)?,"
              + " pager-kv \"orders\" at slot 5");
        }
      }
      if (kind.equals("structureNode") && page.get("slot").asInt() == RootCatalog.CATALOG_SLOT) {
        assertThat(page.get("partOf").asText()).isEqualTo("root catalog at slots 30-31");
      }
    }
    assertThat(labelledStorePages).isEqualTo(storePages);
    assertThat(overflow).isEqualTo(overflowPages);
  }

  @Test
  void statsCountsTheStoresPagesAndNoUserPage() {
    CommandRun run = CommandRun.of("stats", "--json", path.toString());
    assertThat(run.code()).as(run.err()).isZero();
    JsonNode owners = run.result().get("pagesByOwner");
    assertThat(owners.get("structurePage").asLong()).isEqualTo(storePages.size());
    assertThat(owners.get("user").asLong()).isZero();
    boolean catalogShown = false;
    for (JsonNode structure : run.result().get("structureTrees")) {
      if (structure.get("slot").asInt() == RootCatalog.CATALOG_SLOT) {
        catalogShown = true;
        assertThat(structure.get("partOf").asText()).isEqualTo("root catalog at slots 30-31");
      }
    }
    assertThat(catalogShown).isTrue();
  }

  @Test
  void infoNamesTheClaimedStructures() {
    CommandRun run = CommandRun.of("info", path.toString());
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).contains("slots 5-8: pager-kv \"orders\", key-value store: 600 entries")
        .contains("slots 30-31: root catalog: 2 claim(s)");
  }

  @Test
  void verifyReportsADamagedNodeOfTheStore() throws IOException {
    long victim = storePages.stream().filter(page -> !isRootOrOverflow(page)).findFirst().orElseThrow();
    try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      channel.read(one, victim * 4096 + 4000);
      one.flip();
      byte flipped = (byte) (one.get(0) ^ 0x5A);
      channel.write(ByteBuffer.wrap(new byte[] {flipped}), victim * 4096 + 4000);
    }
    CommandRun run = CommandRun.of("verify", "--json", path.toString());
    assertThat(run.code()).as(run.out()).isEqualTo(ExitCode.PROBLEMS);
    assertThat(run.result().get("problems").toString())
        .contains("slots 5-8: node page " + victim + " fails its checksum");
  }

  /** Pages of the store that are not its root (whose checksum is a root value) nor overflow pages. */
  private boolean isRootOrOverflow(long page) {
    CommandRun run = CommandRun.of("pages", "--json", "--from", Long.toString(page), "--count", "1", path.toString());
    String label = run.result().get("pages").get(0).get("label").asText();
    return label.contains("the root") || label.startsWith("overflow");
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }
}
