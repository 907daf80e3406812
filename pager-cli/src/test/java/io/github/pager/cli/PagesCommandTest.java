package io.github.pager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.pager.core.PageFileInspection;
import io.github.pager.protectedpages.ProtectedPageAllocator;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pager pages}, and {@code pager dump} showing the same labels. */
class PagesCommandTest {
  @TempDir Path dir;

  private KnownContentFile file;
  private Map<Long, JsonNode> pages;

  @BeforeEach
  void build() throws IOException {
    file = KnownContentFile.build(dir.resolve("known.pages"));
    CommandRun run = CommandRun.of("pages", "--json", file.path.toString());
    assertThat(run.code()).as(run.err()).isZero();
    JsonNode report = run.result();
    assertThat(report.get("from").asLong()).isZero();
    assertThat(report.get("count").asLong()).isEqualTo(file.pageCount);
    pages = new HashMap<>();
    long expected = 0;
    for (JsonNode page : report.get("pages")) {
      assertThat(page.get("page").asLong()).isEqualTo(expected++);
      pages.put(page.get("page").asLong(), page);
    }
    assertThat(expected).isEqualTo(file.pageCount);
  }

  private JsonNode at(long page) {
    return Objects.requireNonNull(pages.get(page), "no line for page " + page);
  }

  private String kind(long page) {
    return at(page).get("kind").asText();
  }

  @Test
  void labelsEveryKindOfPageOfAKnownFile() throws IOException {
    PageFileInspection inspection = PageFileInspection.inspect(file.path);
    int active = inspection.trustedSlot();
    assertThat(kind(0)).isEqualTo("superblock");
    assertThat(at((long) active).get("label").asText()).isEqualTo("metadata copy " + (active == 1 ? "A" : "B") + " (active)");
    assertThat(at(3L - active).get("active").asBoolean()).isFalse();
    long treeRoot = inspection.copy(active).treeRoot();
    assertThat(at(treeRoot).get("label").asText()).isEqualTo("free-space tree node (level 0, index 0)");

    for (long page : file.userPages) {
      assertThat(kind(page)).as("page %d", page).isEqualTo("user");
    }
    for (long page : file.freedPages) {
      JsonNode pending = at(page);
      assertThat(pending.get("kind").asText()).isEqualTo("pending");
      assertThat(pending.get("freedBy").asLong()).isEqualTo(file.generation);
      assertThat(pending.get("label").asText()).isEqualTo("pending (freed by generation " + file.generation + ")");
    }
    for (ProtectedPageAllocator.Copies copies : file.protectedCopies) {
      for (String copy : List.of("A", "B")) {
        JsonNode page = at(copy.equals("A") ? copies.copyA() : copies.copyB());
        boolean active1 = copy.equals("A") == copies.activeIsA();
        assertThat(page.get("kind").asText()).isEqualTo("protectedCopy");
        assertThat(page.get("id").asLong()).isEqualTo(copies.id());
        assertThat(page.get("copy").asText()).isEqualTo(copy);
        assertThat(page.get("active").asBoolean()).isEqualTo(active1);
        assertThat(page.get("label").asText()).isEqualTo("protected copy " + copy + " of id " + copies.id() + " ("
            + (active1 ? "active" : "inactive") + "), protected pages at slot " + KnownContentFile.PROTECTED_SLOT);
      }
    }
    assertThat(file.protectedCopies).extracting(ProtectedPageAllocator.Copies::activeIsA)
        .as("id 0 at its first version, id 1 written once more").containsExactly(true, false);
    for (long page : file.directoryNodes) {
      assertThat(at(page).get("label").asText())
          .isEqualTo("directory node of the protected pages at slot 12 (level 0, index 0)");
    }
    for (long page : file.bitmapNodes) {
      assertThat(at(page).get("label").asText()).isEqualTo("structure node of root slot 0 (bitmap, level 0, index 0)");
      assertThat(at(page).has("partOf")).isFalse();
    }
    long[] used = {32, 8};
    int parent = 0;
    for (long page : file.subPageParents) {
      JsonNode node = at(page);
      assertThat(node.get("kind").asText()).isEqualTo("subPageParent");
      assertThat(node.get("baseSlot").asInt()).isEqualTo(KnownContentFile.SUB_PAGES_SLOT);
      assertThat(node.get("usedSubPages").asLong()).isEqualTo(used[parent++]);
      assertThat(node.get("subPagesPerPage").asInt()).isEqualTo(32);
    }
    List<JsonNode> subBitmapNodes = pages.values().stream()
        .filter(page -> page.get("kind").asText().equals("structureNode") && page.has("partOf")
            && page.get("partOf").asText().startsWith("sub-page"))
        .toList();
    assertThat(subBitmapNodes).as("used and partial bitmaps of the sub-page allocator").hasSize(2)
        .allSatisfy(page -> assertThat(page.get("partOf").asText()).isEqualTo("sub-page allocator at slots 4-8"));
    assertThat(subBitmapNodes).extracting(page -> page.get("slot").asInt()).containsExactlyInAnyOrder(5, 7);
    assertThat(pages.values().stream()
            .filter(page -> page.get("kind").asText().equals("structureNode") && page.get("slot").asInt() == 15)
            .map(page -> page.get("label").asText()))
        .containsExactly("structure node of root slot 15 (bitmap, level 0, index 0), part of the protected pages at slots 12-16");
    assertThat(pages.values().stream().filter(page -> page.get("kind").asText().equals("free")).count())
        .isEqualTo(file.freePages);
  }

  @Test
  void fromAndCountChooseTheLinesAndTheTextMatchesTheJson() {
    CommandRun run = CommandRun.of("pages", "--from", "3", "--count", "5", file.path.toString());
    assertThat(run.code()).as(run.err()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines).hasSize(5);
    for (int i = 0; i < 5; i++) {
      assertThat(lines.get(i)).isEqualTo((3 + i) + "  " + at(3L + i).get("label").asText());
    }
    JsonNode near = CommandRun.of("pages", "--json", "--from", Long.toString(file.pageCount - 2), "--count", "10",
        file.path.toString()).result();
    assertThat(near.get("count").asLong()).as("cut at the end of the file").isEqualTo(2);
    assertThat(near.get("pages")).hasSize(2);
  }

  @Test
  void pagesPastThePageCountAreNotPartOfTheFormat() throws IOException {
    try (FileChannel channel = FileChannel.open(file.path, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.allocate(4096), file.pageCount * 4096); // one page more than the commit counts
    }
    CommandRun all = CommandRun.of("pages", "--json", file.path.toString());
    assertThat(all.result().get("count").asLong()).as("by default the commit's pages").isEqualTo(file.pageCount);
    CommandRun past = CommandRun.of("pages", "--from", Long.toString(file.pageCount), file.path.toString());
    assertThat(past.code()).as(past.err()).isZero();
    assertThat(past.out()).isEqualTo(file.pageCount + "  past the page count (not part of the format)" + System.lineSeparator());
  }

  @Test
  void badRangesAreUsageErrorsThatSayWhy() {
    CommandRun outside = CommandRun.of("pages", "--from", Long.toString(file.pageCount), file.path.toString());
    assertThat(outside.code()).isEqualTo(ExitCode.USAGE);
    assertThat(outside.err()).contains("outside").contains("holds pages 0 to " + (file.pageCount - 1));
    assertThat(CommandRun.of("pages", "--from", "-1", file.path.toString()).code()).isEqualTo(ExitCode.USAGE);
    CommandRun zero = CommandRun.of("pages", "--count", "0", file.path.toString());
    assertThat(zero.code()).isEqualTo(ExitCode.USAGE);
    assertThat(zero.err()).contains("--count 0");
    assertThat(CommandRun.of("pages", "--from", "x", file.path.toString()).code()).isEqualTo(ExitCode.USAGE);
    assertThat(CommandRun.of("pages", dir.resolve("none").toString()).code()).isEqualTo(ExitCode.NOT_FOUND);
  }

  @Test
  void dumpShowsTheSameLabelAsPagesForEveryPage() throws IOException {
    for (long page = 0; page < file.pageCount; page++) {
      CommandRun dump = CommandRun.of("dump", file.path.toString(), Long.toString(page));
      assertThat(dump.code()).as(dump.err()).isZero();
      String first = dump.out().lines().findFirst().orElseThrow();
      assertThat(first).isEqualTo("page " + page + " of " + file.path + ": 4096 bytes at offset " + page * 4096 + ": "
          + at(page).get("label").asText());
    }
    // What the issue saw: a free page was a "data page", the active tree root a "tree node?".
    long free = pages.values().stream().filter(page -> page.get("kind").asText().equals("free")).findFirst()
        .orElseThrow().get("page").asLong();
    assertThat(CommandRun.of("dump", file.path.toString(), Long.toString(free)).out()).containsPattern(": free\\R")
        .doesNotContain("data page");
    assertThat(Files.size(file.path)).isEqualTo(file.pageCount * 4096);
  }
}
