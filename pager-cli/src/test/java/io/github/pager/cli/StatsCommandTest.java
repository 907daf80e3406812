package io.github.pager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.pager.core.PageFileInspection;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pager stats} on files whose every page is known. */
class StatsCommandTest {
  @TempDir Path dir;

  @Test
  void countsEveryOwnerOfAKnownFileExactly() throws IOException {
    KnownContentFile file = KnownContentFile.build(dir.resolve("known.pages"));
    CommandRun run = CommandRun.of("stats", "--json", file.path.toString());
    assertThat(run.code()).as(run.err()).isZero();
    JsonNode stats = run.result();
    assertThat(stats.get("pageCount").asLong()).isEqualTo(file.pageCount);
    assertThat(stats.get("generation").asLong()).isEqualTo(file.generation);

    Map<String, Long> expected = new LinkedHashMap<>();
    expected.put("superblock", 1L);
    expected.put("metadataCopy", 2L);
    expected.put("freeSpaceTreeNode", 1L);
    expected.put("pendingListPage", 0L);
    // The bitmap at slot 0; the sub-page allocator's used and partial bitmaps (its second parent
    // holds 8 of 32 sub-pages); the protected pages' used bitmap.
    expected.put("structureNode", 4L);
    expected.put("directoryNode", 1L);
    expected.put("protectedCopy", 4L);
    expected.put("subPageParent", 2L);
    expected.put("structurePage", 0L);
    expected.put("user", 7L);
    expected.put("pending", file.pendingPages);
    expected.put("free", file.freePages);
    assertThat(owners(stats)).isEqualTo(expected);
    assertThat(file.pendingPages).as("the three user pages and the tree leaf the last commit replaced").isEqualTo(4);
    assertThat(expected.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(file.pageCount);
    assertThat(stats.get("totalPages").asLong()).isEqualTo(file.pageCount);

    JsonNode structures = stats.get("structureTrees");
    List<Integer> slots = new ArrayList<>();
    structures.forEach(structure -> slots.add(structure.get("slot").asInt()));
    assertThat(slots).containsExactly(0, 5, 7, 13, 15);
    JsonNode directory = structures.get(3);
    assertThat(directory.get("structure").asText()).isEqualTo("array");
    assertThat(directory.get("recordSize").asInt()).isEqualTo(32);
    assertThat(directory.get("partOf").asText()).isEqualTo("protected pages at slots 12-16");
    assertThat(directory.get("nodeKind").asText()).isEqualTo("directoryNode");
    assertThat(structures.get(4).get("partOf").asText()).isEqualTo("protected pages at slots 12-16");
    assertThat(structures.get(4).get("nodeKind").asText()).as("the protected pages' used bitmap").isEqualTo("structureNode");
    assertThat(directory.get("levels").get(0).get("usedSlots").asLong()).as("two directory records").isEqualTo(2);
    JsonNode bitmap = structures.get(0);
    assertThat(bitmap.get("structure").asText()).isEqualTo("bitmap");
    assertThat(bitmap.get("partOf").isNull()).as("no known structure claims slot 0").isTrue();
    assertThat(bitmap.get("height").asInt()).isEqualTo(1);
    assertThat(bitmap.get("nodes").asLong()).isEqualTo(1);
    assertThat(bitmap.get("levels").get(0).get("usedSlots").asLong()).isEqualTo(1);
    assertThat(bitmap.get("fill").asDouble()).isEqualTo(FileStats.rounded(1.0 / ((4096 - 16) * 8)));

    JsonNode sub = stats.get("subPageAllocators").get(0);
    assertThat(sub.get("baseSlot").asInt()).isEqualTo(KnownContentFile.SUB_PAGES_SLOT);
    assertThat(sub.get("parentPages").asLong()).isEqualTo(2);
    assertThat(sub.get("usedSubPages").asLong()).isEqualTo(40);
    assertThat(sub.get("subPageCapacity").asLong()).isEqualTo(64);
    assertThat(sub.get("fill").asDouble()).isEqualTo(0.625);

    JsonNode tree = stats.get("freeSpaceTree");
    assertThat(tree.get("height").asInt()).isEqualTo(1);
    assertThat(tree.get("levels").get(0).get("usedSlots").asLong())
        .as("in-use bits: everything but the free and pending pages")
        .isEqualTo(file.pageCount - file.freePages - file.pendingPages);

    JsonNode size = stats.get("size");
    assertThat(size.get("apparentBytes").asLong()).isEqualTo(Files.size(file.path));
    assertThat(size.get("pageBytes").asLong()).isEqualTo(file.pageCount * 4096);
    assertThat(size.get("why").asText()).isNotBlank();
  }

  @Test
  void freeRunsHistogramAndFragmentationAddUp() throws IOException {
    KnownContentFile file = KnownContentFile.build(dir.resolve("known.pages"));
    JsonNode runs = CommandRun.of("stats", "--json", file.path.toString()).result().get("freeRuns");
    assertThat(runs.get("freePages").asLong()).isEqualTo(file.freePages);

    // The runs as 'pager pages' shows them: consecutive pages labelled free.
    List<Long> lengths = new ArrayList<>();
    long previous = -2;
    for (JsonNode page : CommandRun.of("pages", "--json", file.path.toString()).result().get("pages")) {
      if (page.get("kind").asText().equals("free")) {
        long index = page.get("page").asLong();
        if (index == previous + 1) {
          lengths.set(lengths.size() - 1, lengths.getLast() + 1);
        } else {
          lengths.add(1L);
        }
        previous = index;
      }
    }
    long largest = lengths.stream().mapToLong(Long::longValue).max().orElse(0);
    assertThat(runs.get("runs").asLong()).isEqualTo(lengths.size());
    assertThat(runs.get("largestRun").asLong()).isEqualTo(largest);
    assertThat(runs.get("fragmentation").asDouble()).isEqualTo(FileStats.rounded(1 - (double) largest / file.freePages));

    Map<Long, long[]> buckets = new TreeMap<>(); // from -> runs, pages
    for (long length : lengths) {
      long from = Long.highestOneBit(length);
      long[] bucket = buckets.computeIfAbsent(from, f -> new long[2]);
      bucket[0]++;
      bucket[1] += length;
    }
    JsonNode histogram = runs.get("histogram");
    assertThat(histogram.size()).isEqualTo(buckets.size());
    int i = 0;
    for (Map.Entry<Long, long[]> bucket : buckets.entrySet()) {
      JsonNode shown = histogram.get(i++);
      assertThat(shown.get("from").asLong()).isEqualTo(bucket.getKey());
      assertThat(shown.get("to").asLong()).isEqualTo(2 * bucket.getKey() - 1);
      assertThat(shown.get("runs").asLong()).isEqualTo(bucket.getValue()[0]);
      assertThat(shown.get("freePages").asLong()).isEqualTo(bucket.getValue()[1]);
    }
  }

  @Test
  void agreesWithATallyOfPagesOnATwoLevelTreeAndAPendingChain() throws IOException {
    KnownContentFile file = KnownContentFile.buildWithChain(dir.resolve("chain.pages"));
    PageFileInspection inspection = PageFileInspection.inspect(file.path);
    int chainPages = inspection.copy(inspection.activeSlot()).pendingChainPages();
    assertThat(chainPages).as("the fixture spills its pending list into a chain").isPositive();

    JsonNode stats = CommandRun.of("stats", "--json", file.path.toString()).result();
    Map<String, Long> byOwner = owners(stats);
    assertThat(byOwner.get("pendingListPage")).isEqualTo(chainPages);
    // The 120 scattered pages, and the nodes and chain pages the two commits replaced.
    assertThat(byOwner.get("pending")).isEqualTo(file.pendingPages).isGreaterThanOrEqualTo(120);
    assertThat(byOwner.get("free")).isEqualTo(file.freePages);
    JsonNode tree = stats.get("freeSpaceTree");
    assertThat(tree.get("height").asInt()).isEqualTo(2);
    assertThat(tree.get("levels").get(1).get("nodes").asLong()).isEqualTo(1);
    assertThat(tree.get("levels").get(0).get("nodes").asLong()).isEqualTo(tree.get("levels").get(1).get("usedSlots").asLong());
    assertThat(byOwner.get("freeSpaceTreeNode")).isEqualTo(tree.get("nodes").asLong());

    Map<String, Long> tally = new LinkedHashMap<>();
    byOwner.keySet().forEach(kind -> tally.put(kind, 0L));
    for (JsonNode page : CommandRun.of("pages", "--json", file.path.toString()).result().get("pages")) {
      tally.merge(page.get("kind").asText(), 1L, Long::sum);
    }
    assertThat(tally).isEqualTo(byOwner);
    assertThat(tally.values().stream().mapToLong(Long::longValue).sum()).isEqualTo(file.pageCount);
  }

  @Test
  void printsTheSameFiguresAsTextAndNeverWritesTheFile() throws IOException {
    KnownContentFile file = KnownContentFile.build(dir.resolve("known.pages"));
    byte[] before = Files.readAllBytes(file.path);
    long modified = Files.getLastModifiedTime(file.path).toMillis();
    CommandRun run = CommandRun.of("stats", file.path.toString());
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.out())
        .contains("free space  tree: height 1, 1 node(s)")
        .contains("structure   slot 13, array of 32-byte records: height 1, 1 node(s)")
        .contains("(directory of the protected pages at slots 12-16)")
        .contains("sub-pages   allocator at slot 4: 2 parent page(s), 40 of 64 128-byte sub-pages used (62.5%)")
        .containsPattern("protected page copies \\(two per page\\) +4\n")
        .containsPattern("user \\(allocated, no known structure\\) +7\n")
        .containsPattern("total \\(the page count\\) +" + file.pageCount + "\n")
        .contains("fragmentation");
    assertThat(Files.readAllBytes(file.path)).isEqualTo(before);
    assertThat(Files.getLastModifiedTime(file.path).toMillis()).isEqualTo(modified);
  }

  @Test
  void aDamagedNodeBelowTheRootIsCorruptAndAMissingFileIsNotFound() throws IOException {
    KnownContentFile file = KnownContentFile.buildWithChain(dir.resolve("chain.pages"));
    JsonNode pages = CommandRun.of("pages", "--json", file.path.toString()).result().get("pages");
    long leaf = -1;
    for (JsonNode page : pages) {
      if (page.get("kind").asText().equals("freeSpaceTreeNode") && page.get("level").asInt() == 0) {
        leaf = page.get("page").asLong();
      }
    }
    assertThat(leaf).isPositive();
    try (FileChannel channel = FileChannel.open(file.path, StandardOpenOption.WRITE)) {
      channel.write(ByteBuffer.wrap(new byte[] {(byte) 0x5A}), leaf * 1024 + 500);
    }
    CommandRun damaged = CommandRun.of("stats", file.path.toString());
    assertThat(damaged.code()).as(damaged.out() + damaged.err()).isEqualTo(ExitCode.CORRUPT);
    assertThat(damaged.err()).startsWith("pager stats: ").contains("page " + leaf).doesNotContain("\tat ");
    assertThat(CommandRun.of("pages", file.path.toString()).code()).isEqualTo(ExitCode.CORRUPT);

    CommandRun missing = CommandRun.of("stats", dir.resolve("nothing.pages").toString());
    assertThat(missing.code()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(missing.err()).contains("nothing.pages");
    CommandRun directory = CommandRun.of("stats", dir.toString());
    assertThat(directory.code()).isEqualTo(ExitCode.NOT_A_PAGE_FILE);
    assertThat(CommandRun.of("stats").code()).isEqualTo(ExitCode.USAGE);
  }

  private static Map<String, Long> owners(JsonNode stats) {
    Map<String, Long> owners = new LinkedHashMap<>();
    stats.get("pagesByOwner").properties().forEach(entry -> owners.put(entry.getKey(), entry.getValue().asLong()));
    return owners;
  }
}
