package io.github.pager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.github.pager.allocator.SubPageAllocator;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.protectedpages.ProtectedPageAllocator;
import io.github.pager.protectedpages.ProtectedPageId;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pager compact}: output, JSON (read by Jackson), exit codes, and refusal while a writer holds the file. */
class CompactCommandTest {
  private static final int PAGE = 4096;

  @TempDir Path dir;
  private Path file;
  private long lastUserPage;
  private List<byte[]> protectedContents;

  /**
   * A sub-page allocator at slots 2-6 with one parent page, 200 user pages, 20 protected pages at
   * slots 12-16, then every user page freed but the first 30 and one in the middle: the protected
   * pages and the tree's node lie past the last user page; the parent page lies below it.
   */
  @BeforeEach
  void fragmentedFile() throws IOException {
    file = dir.resolve("pages.db");
    try (Pager pager = Pager.create(file, PagerOptions.defaults())) {
      SubPageAllocator.open(pager, 2, 256).allocBulk(3);
      List<PageId> pages = pager.allocBulk(200);
      for (PageId id : pages) {
        pager.page(id).putLong(0, id.index());
      }
      ProtectedPageAllocator protectedPages = ProtectedPageAllocator.open(pager, 12);
      List<ProtectedPageId> ids = protectedPages.allocBulk(20);
      for (ProtectedPageId id : ids) {
        try (var writer = protectedPages.write(id)) {
          writer.segment().set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0, 1000 + id.value());
          writer.commit();
        }
      }
      protectedContents = new ArrayList<>();
      for (ProtectedPageId id : ids) {
        protectedContents.add(protectedPages.get(id));
      }
      List<PageId> freed = new ArrayList<>(pages.subList(30, 200));
      lastUserPage = freed.remove(50).index();
      pager.freeBulk(freed);
    }
  }

  @Test
  void shrinksTheFileAndSaysHowInJson() throws IOException {
    long before = Files.size(file);
    CommandRun run = CommandRun.of("compact", "--json", file.toString());
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.json().get("command").asText()).isEqualTo("compact");
    JsonNode report = run.result();
    assertThat(report.get("verified").asBoolean()).isTrue();
    assertThat(report.get("problems")).isEmpty();
    assertThat(report.get("pageSize").asInt()).isEqualTo(PAGE);
    assertThat(report.get("before").get("apparentBytes").asLong()).isEqualTo(before);
    assertThat(report.get("after").get("apparentBytes").asLong()).isEqualTo(Files.size(file))
        .isEqualTo((lastUserPage + 1) * PAGE);
    assertThat(report.get("after").get("pageCount").asLong()).isEqualTo(lastUserPage + 1);
    assertThat(report.get("before").get("bytesOnDisk").isNumber()).isTrue();
    assertThat(report.get("after").get("bytesOnDisk").asLong()).isLessThan(report.get("before").get("bytesOnDisk").asLong());
    // Both copies of every page; the directory's and the used bitmap's roots when they lay high.
    Map<String, Long> moved = new HashMap<>();
    report.get("moved").forEach(owner -> moved.put(owner.get("name").asText(), owner.get("pagesMoved").asLong()));
    assertThat(moved).containsOnlyKeys("protected pages at slots 12-16", "free-space tree nodes",
        "sub-page allocator at slots 2-6, used bitmap", "sub-page allocator at slots 2-6, partial bitmap");
    assertThat(moved.getOrDefault("protected pages at slots 12-16", 0L)).isBetween(40L, 42L);
    assertThat(report.get("pagesMoved").asLong())
        .isEqualTo(moved.values().stream().mapToLong(Long::longValue).sum());
    assertThat(report.get("commits").asInt()).isPositive();
    assertThat(report.get("lastPage").asLong()).isEqualTo(lastUserPage);
    assertThat(report.get("lastPageOwner").asText()).startsWith("a user page");
    assertThat(report.get("notMoved").get(0).asText())
        .isEqualTo("sub-page allocator at slots 2-6: its parent pages, which sub-page handles name");

    try (Pager pager = Pager.open(file, PagerOptions.defaults().withReadOnly(true))) {
      ProtectedPageAllocator protectedPages = ProtectedPageAllocator.open(pager, 12);
      List<byte[]> contents = new ArrayList<>();
      for (ProtectedPageId id : protectedPages.allocatedIds()) {
        contents.add(protectedPages.get(id));
      }
      assertThat(contents).containsExactlyElementsOf(protectedContents);
      assertThat(pager.page(lastUserPage).getLong(0)).isEqualTo(lastUserPage);
    }
    assertThat(CommandRun.of("verify", file.toString()).code()).isZero();
  }

  @Test
  void saysWhatItDidInText() {
    CommandRun run = CommandRun.of("compact", file.toString());
    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out())
        .contains("file        " + file + ", page size 4,096")
        .containsPattern("before      [0-9,]+ bytes \\([0-9,]+ on disk\\), [0-9,]+ pages")
        .contains(String.format("after       %,d bytes", (lastUserPage + 1) * PAGE))
        .containsPattern("moved       4[0-9] page\\(s\\) in [0-9] commit\\(s\\): .*protected pages at slots 12-16 4[0-2]")
        .contains(String.format("ends at     page %,d: a user page", lastUserPage))
        .contains("not moved   sub-page allocator at slots 2-6: its parent pages")
        .contains("; the file verifies");
    CommandRun again = CommandRun.of("compact", file.toString());
    assertThat(again.code()).isZero();
    assertThat(again.out()).contains("moved       0 page(s) in 0 commit(s)").contains("compact: nothing to cut");
  }

  @Test
  void exitCodesOfAMissingFileAndAFileThatIsNoPageFile() throws IOException {
    CommandRun missing = CommandRun.of("compact", "--json", dir.resolve("missing.db").toString());
    assertThat(missing.code()).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(missing.json().get("ok").asBoolean()).isFalse();
    assertThat(missing.json().get("exitCode").asInt()).isEqualTo(ExitCode.NOT_FOUND);
    Path text = dir.resolve("text.txt");
    Files.writeString(text, "not a page file at all, just some words");
    CommandRun foreign = CommandRun.of("compact", text.toString());
    assertThat(foreign.code()).isEqualTo(ExitCode.NOT_A_PAGE_FILE);
    assertThat(Files.readString(text)).isEqualTo("not a page file at all, just some words");
  }

  @Test
  void refusesWhileAReaderReadsTheFile() throws IOException {
    byte[] before = Files.readAllBytes(file);
    try (Pager reader = Pager.open(file, PagerOptions.defaults().withReadOnly(true))) {
      CommandRun run = CommandRun.of("compact", "--json", file.toString());
      assertThat(run.code()).isEqualTo(ExitCode.PROBLEMS);
      assertThat(run.json().get("error").get("kind").asText()).isEqualTo("refused");
      assertThat(run.json().get("error").get("message").asText())
          .contains("1 registered reader(s) read generation " + reader.generation());
      assertThat(run.err()).startsWith("pager compact: ");
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
  }

  @Test
  void refusesWhileAWriterInAnotherProcessHoldsTheFileAndChangesNothing() throws Exception {
    byte[] before = Files.readAllBytes(file);
    Process child = HoldingWriter.start(file);
    try {
      BufferedReader childOut = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      assertThat(childOut.readLine()).as("child output").startsWith("HOLDING");
      // The child's open wrote nothing; what compaction is refused on is this file, byte for byte.
      before = Files.readAllBytes(file);
      CommandRun run = CommandRun.of("compact", "--json", file.toString());
      assertThat(run.code()).as(run.err()).isEqualTo(ExitCode.LOCKED);
      assertThat(run.json().get("error").get("kind").asText()).isEqualTo("locked");
      assertThat(run.json().get("error").get("message").asText()).contains("is open for writing by another pager or process");
      assertThat(Files.readAllBytes(file)).isEqualTo(before);
    } finally {
      child.getOutputStream().close();
      child.waitFor();
    }
    assertThat(CommandRun.of("compact", file.toString()).code()).isZero();
  }
}
