package io.github.pager.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.github.pager.allocator.SubPageAllocator;
import io.github.pager.core.PageFileInspection;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import io.github.pager.core.storage.FileStorage;
import io.github.pager.protectedpages.ProtectedPageAllocator;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;

/** Every command, on good files and on corrupted, truncated, foreign and missing ones. */
class MainTest {
  @TempDir Path dir;

  private ByteArrayOutputStream out = new ByteArrayOutputStream();
  private ByteArrayOutputStream err = new ByteArrayOutputStream();
  private Path good;

  @BeforeEach
  void goodFile() throws IOException {
    good = dir.resolve("good.pages");
    try (Pager pager = Pager.create(good, PagerOptions.defaults())) {
      pager.allocBulk(10);
      SubPageAllocator sub = SubPageAllocator.open(pager, 4, 128);
      sub.allocBulk(40);
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, 12);
      try (var writer = pages.write(pages.alloc())) {
        writer.segment().fill((byte) 7);
        writer.commit();
      }
      try (Transaction tx = pager.begin()) {
        tx.setRoot(0, 1234);
        tx.commit();
      }
    }
  }

  private int run(String... args) {
    out = new ByteArrayOutputStream();
    err = new ByteArrayOutputStream();
    return Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void demoTellsTheWholeStoryAndShowsRecovery() throws Exception {
    assertThat(run("demo", dir.resolve("demo").toString())).as(err()).isZero();
    assertThat(out())
        .contains("reopened    ")
        .containsPattern("says \"index page: start at page \\d+\"")
        .contains("20 sub-pages back, each holding what was written: true")
        .contains("3 protected pages read back verified (CRC32C checked), each at its second version: true")
        .contains("verify      clean")
        .contains("everything acknowledged before the reopen is there")
        .contains("open uses copy").contains("the commit before");
    assertThat(out()).contains("page 3 the free-space tree's first leaf");
    // The accounting line's parts add up to the page count, computed here from what it prints.
    java.util.regex.Matcher accounting = java.util.regex.Pattern.compile(
            "accounting  (\\d+) pages = (\\d+) allocated \\+ (\\d+) free \\+ (\\d+) reserved \\+ (\\d+) tree page\\(s\\) "
                + "\\+ (\\d+) chain page\\(s\\)\n")
        .matcher(out().replace(System.lineSeparator(), "\n"));
    assertThat(accounting.find()).as(out()).isTrue();
    long sum = 0;
    for (int part = 2; part <= 6; part++) {
      sum += Long.parseLong(accounting.group(part));
    }
    assertThat(sum).isEqualTo(Long.parseLong(accounting.group(1)));
    assertThat(Long.parseLong(accounting.group(2))).as("allocated pages").isPositive();
    assertThat(err()).isEmpty();
  }

  @Test
  void infoDescribesAGoodFile() {
    assertThat(run("info", good.toString())).as(err()).isZero();
    assertThat(out())
        .contains("format      version 4, page size 4096 bytes")
        .contains("metadata    active: copy")
        .contains("slot  0 = 1234")
        .contains("structure   slots 4-8: sub-page allocator: 128-byte sub-pages, 40 in use")
        .contains("structure   slots 12-16: protected pages: 1 in use");
    assertThat(run("info", "--json", good.toString())).isZero();
    assertThat(out()).startsWith("{\"schemaVersion\":1,\"command\":\"info\",\"ok\":true,\"exitCode\":0,\"result\":{\"file\":")
        .contains("\"pageSize\":4096").contains("\"roots\":{\"0\":1234");
    assertThat(out()).contains("\"liveReaders\":0,\"oldestReaderGeneration\":null");
  }

  @Test
  void infoShowsTheRegisteredReadersAndTheOldestGenerationTheyHold() throws IOException {
    assertThat(run("info", good.toString())).as(err()).isZero();
    assertThat(out()).contains("readers     none registered");
    long generation;
    try (Pager reader = Pager.open(good, PagerOptions.defaults().withReadOnly(true))) {
      generation = reader.generation();
      assertThat(run("info", good.toString())).as(err()).isZero();
      assertThat(out()).contains("readers     1 registered, the oldest reads generation " + generation + " (0 behind)");
      assertThat(run("info", "--json", good.toString())).isZero();
      assertThat(out()).contains("\"liveReaders\":1,\"oldestReaderGeneration\":" + generation);
    }
    assertThat(run("info", good.toString())).as(err()).isZero();
    assertThat(out()).contains("readers     none registered");
  }

  @Test
  void verifyPassesAGoodFileAndNeverWritesIt() throws IOException {
    byte[] before = Files.readAllBytes(good);
    long modified = Files.getLastModifiedTime(good).toMillis();
    assertThat(run("verify", good.toString())).as(out() + err()).isZero();
    assertThat(out()).contains("is consistent").contains("note: 10 allocated page(s) belong to no known structure");
    assertThat(run("verify", "--json", good.toString())).isZero();
    assertThat(out()).contains("\"ok\":true").contains("\"pagesOwnedByNoKnownStructure\":10");
    assertThat(run("verify", "--strict", good.toString())).isEqualTo(ExitCode.PROBLEMS);
    assertThat(Files.readAllBytes(good)).isEqualTo(before);
    assertThat(Files.getLastModifiedTime(good).toMillis()).isEqualTo(modified);
  }

  @Test
  void verifyReportsADamagedActiveCopyAsAProblem() throws IOException {
    PageFileInspection inspection = PageFileInspection.inspect(good);
    flip((long) inspection.activeSlot() * 4096 + 24);
    assertThat(run("verify", good.toString())).isEqualTo(ExitCode.PROBLEMS);
    assertThat(out()).contains("PROBLEM: ").contains("metadata copy").contains("checksum");
  }

  @Test
  void verifyReportsADamagedAlternateCopyAsAProblem() throws IOException {
    // The alternate is the only fallback if the active copy goes bad: losing it is a problem,
    // although the file still opens on the active copy. "Alternate" is whichever copy the
    // inspection does not name as active.
    PageFileInspection inspection = PageFileInspection.inspect(good);
    int alternate = inspection.activeSlot() == 1 ? 2 : 1;
    flip((long) alternate * 4096 + 24);
    assertThat(run("verify", good.toString())).as(out() + err()).isEqualTo(ExitCode.PROBLEMS);
    assertThat(out())
        .contains("PROBLEM: alternate metadata copy " + (alternate == 1 ? "A" : "B"))
        .contains("checksum")
        .doesNotContain("is consistent");
    assertThat(run("verify", "--json", good.toString())).isEqualTo(ExitCode.PROBLEMS);
    assertThat(out()).contains("\"ok\":false").contains("alternate metadata copy");
  }

  @Test
  void verifyReportsAFileOpenedOnItsAlternateAsAProblem() throws IOException {
    // The newest record's tree root is damaged: the file opens on the commit before, and that
    // copy has no fallback left. Consistent it is not. (An allocation first, so that the two
    // records name different tree roots: damage to a root they share leaves neither usable.)
    try (Pager pager = Pager.open(good, PagerOptions.defaults())) {
      pager.alloc();
    }
    PageFileInspection inspection = PageFileInspection.inspect(good);
    int active = inspection.activeSlot();
    assertThat(inspection.copy(active).treeRoot()).isNotEqualTo(inspection.copy(3 - active).treeRoot());
    flip(inspection.copy(active).treeRoot() * 4096 + 100);
    assertThat(run("verify", good.toString())).as(out() + err()).isEqualTo(ExitCode.PROBLEMS);
    assertThat(out())
        .contains("PROBLEM: active metadata copy " + (active == 1 ? "A" : "B"))
        .contains("free-space tree root").contains("no intact fallback")
        .doesNotContain("is consistent");
  }

  @Test
  void infoSaysThatItDoesNotCheckStructuresAndPointsToVerify() {
    assertThat(run("info", good.toString())).as(err()).isZero();
    assertThat(out()).contains("checked     superblock and metadata copies only; 'pager verify " + good
        + "' checks the trees and structures");
    assertThat(run("info", "--help")).isZero();
    assertThat(out()).contains("run 'pager verify FILE' for that.");
  }

  @Test
  void verifyPassesAFileWhoseAlternateWasNeverWritten() throws IOException {
    // Right after create only copy A holds a record: the empty copy B is not a problem.
    Path fresh = dir.resolve("fresh.pages");
    Pager.create(fresh, PagerOptions.defaults()).close();
    assertThat(run("verify", fresh.toString())).as(out() + err()).isZero();
    assertThat(out()).contains("is consistent").doesNotContain("PROBLEM");
  }

  @Test
  void verifyFindsADamagedSubPageBitmap() throws IOException {
    // Damage a node of the sub-page allocator's used bitmap: its checksum no longer matches.
    long node;
    try (Pager pager = Pager.open(good, PagerOptions.defaults().withReadOnly(true))) {
      node = pager.readBitmap(5).nodePages().iterator().next();
    }
    flip(node * 4096 + 100);
    assertThat(run("verify", good.toString())).isEqualTo(ExitCode.PROBLEMS);
    assertThat(out()).contains("PROBLEM: slots 4-8:").contains("checksum");
  }

  @Test
  void verifyFindsADamagedProtectedCopy() throws IOException {
    java.util.Set<Long> copies;
    try (Pager pager = Pager.open(good, PagerOptions.defaults().withReadOnly(true))) {
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, 12);
      copies = new java.util.HashSet<>(pages.ownedPages());
      copies.removeAll(pager.readArray(13, 32).nodePages());
      copies.removeAll(pager.readBitmap(15).nodePages());
    }
    assertThat(copies).hasSize(2);
    for (long copy : copies) {
      flip(copy * 4096 + 100); // the active copy is one of the two
    }
    int code = run("verify", good.toString());
    assertThat(code).as(out()).isEqualTo(ExitCode.PROBLEMS);
    assertThat(out()).contains("PROBLEM: slots 12-16:").contains("protected page");
  }

  @Test
  void bothCopiesDamagedIsCorrupt() throws IOException {
    flip(4096 + 24);
    flip(2 * 4096 + 24);
    assertThat(run("verify", good.toString())).isEqualTo(ExitCode.CORRUPT);
    assertThat(run("info", good.toString())).isEqualTo(ExitCode.CORRUPT);
    assertThat(err()).startsWith("pager info: ").contains("no usable metadata").doesNotContain("\tat ");
  }

  @Test
  void truncatedForeignAndMissingFilesGetTheirOwnExitCodesAndAHeldFileIsRead() throws Exception {
    try (FileChannel channel = FileChannel.open(good, StandardOpenOption.WRITE)) {
      channel.truncate(5 * 4096);
    }
    assertThat(run("info", good.toString())).isEqualTo(ExitCode.CORRUPT);
    assertThat(err()).contains("truncated");
    assertThat(run("verify", good.toString())).isEqualTo(ExitCode.CORRUPT);

    Path foreign = Files.writeString(dir.resolve("notes.txt"), "dear diary, today I was not a page file".repeat(30));
    for (String command : new String[] {"info", "verify", "dump", "stats", "pages"}) {
      String[] args = command.equals("dump") ? new String[] {command, foreign.toString(), "0"} : new String[] {command, foreign.toString()};
      assertThat(run(args)).as(command).isEqualTo(ExitCode.NOT_A_PAGE_FILE);
      assertThat(err()).contains("not a page file").doesNotContain("\tat ");
    }

    assertThat(run("info", dir.resolve("missing").toString())).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(err()).isEqualTo("pager info: no such file: " + dir.resolve("missing") + System.lineSeparator());

    Path held = dir.resolve("held.pages");
    try (Pager writer = Pager.create(held, PagerOptions.defaults())) {
      writer.alloc();
      // This JVM holds the writer's lock; the CLI reads the file read-only, asks the lock file
      // through the channel the writer's lock lives on, and the writer keeps its lock.
      assertThat(run("verify", held.toString())).as(out() + err()).isZero();
      assertThat(out()).contains("generation                   " + writer.generation())
          .contains("note: a writer holds the file: checked generation " + writer.generation());
      assertThat(FileStorage.isLockedForWriting(held)).isTrue();
      writer.alloc();
    }
    assertThat(run("verify", held.toString())).as(err()).isZero();
    assertThat(out()).doesNotContain("a writer");
  }

  @Test
  void aDirectoryIsNamedAndIsNotAPageFile() throws IOException {
    Path directory = Files.createDirectory(dir.resolve("a-directory"));
    String[][] commands = {
      {"info", directory.toString()},
      {"verify", directory.toString()},
      {"dump", directory.toString(), "0"},
      {"dump", "--page-size", "4096", directory.toString(), "0"},
      {"stats", directory.toString()},
      {"pages", directory.toString()},
      {"copy", directory.toString(), dir.resolve("copy").toString()},
      {"recover", directory.toString()},
      {"rollback", directory.toString()},
    };
    for (String[] command : commands) {
      assertThat(run(command)).as(String.join(" ", command) + ": " + err()).isEqualTo(ExitCode.NOT_A_PAGE_FILE);
      assertThat(err()).as(String.join(" ", command))
          .isEqualTo("pager " + command[0] + ": " + directory + " is a directory, not a page file" + System.lineSeparator());
    }
  }

  @Test
  void anUnreadableFileIsNamed() throws IOException {
    Files.setPosixFilePermissions(good, PosixFilePermissions.fromString("---------"));
    try {
      assumeThat(Files.isReadable(good))
          .as("this process reads a file whatever its permissions (it runs as root), so chmod 000 cannot make one unreadable")
          .isFalse();
      for (String command : new String[] {"info", "verify", "dump", "stats", "pages"}) {
        String[] args = command.equals("dump") ? new String[] {command, good.toString(), "0"} : new String[] {command, good.toString()};
        assertThat(run(args)).as(command + ": " + err()).isEqualTo(ExitCode.IO_ERROR);
        assertThat(err()).isEqualTo("pager " + command + ": permission denied: " + good + System.lineSeparator());
      }
    } finally {
      Files.setPosixFilePermissions(good, PosixFilePermissions.fromString("rw-r--r--"));
    }
  }

  @Test
  void aFileAWriterInAnotherProcessHoldsIsReadAsASnapshotOfItsNewestCommit() throws Exception {
    Process child = HoldingWriter.start(good);
    try {
      BufferedReader childOut = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String holding = childOut.readLine();
      assertThat(holding).as("child output").startsWith("HOLDING");
      long generation = Long.parseLong(holding.substring("HOLDING ".length()));
      assertThat(FileStorage.isLockedForWriting(good)).isTrue();

      assertThat(run("info", good.toString())).as(err()).isZero();
      assertThat(out())
          .contains("writer      live: a writer holds the file; this shows generation " + generation)
          .contains("metadata    active: copy").contains("generation " + generation)
          .contains("structure   slots 12-16: protected pages: 1 in use");
      assertThat(run("info", "--json", good.toString())).isZero();
      assertThat(out()).contains("\"generation\":" + generation + ",\"writerLive\":true");

      assertThat(run("verify", good.toString())).as(out() + err()).isZero();
      assertThat(out()).contains("is consistent")
          .contains("note: a writer holds the file: checked generation " + generation);

      PageId page;
      try (Pager reader = Pager.open(good, PagerOptions.defaults().withReadOnly(true))) {
        page = reader.allocatedPages().get(0);
      }
      assertThat(run("dump", good.toString(), Long.toString(page.index()))).as(err()).isZero();
      assertThat(out()).contains("page " + page.index() + " of")
          .contains("a writer holds the file: this page is read from a snapshot of generation "
              + generation);
      assertThat(run("dump", good.toString(), "1")).isZero();
      assertThat(out()).contains("metadata copy A");
      assertThat(err()).isEmpty();

      assertThat(run("stats", good.toString())).as(err()).isZero();
      assertThat(out()).contains(", generation " + generation + " (a writer holds the file: its newest commit when read)")
          .containsPattern("protected page copies \\(two per page\\) +2\\R");
      assertThat(run("pages", "--json", good.toString())).isZero();
      assertThat(out()).contains("\"generation\":" + generation + ",\"writerLive\":true");
      assertThat(out().split("\"kind\":\"user\"", -1)).as("the ten pages of allocBulk(10)").hasSize(11);
    } finally {
      child.getOutputStream().close();
      if (!child.waitFor(30, TimeUnit.SECONDS)) {
        child.destroyForcibly();
      }
    }
    assertThat(child.exitValue()).as("the writer kept its lock and closed cleanly").isZero();
    assertThat(run("verify", good.toString())).as(err()).isZero();
  }

  @Test
  void dumpShowsPagesInHexAndDecodesMetadata() {
    assertThat(run("dump", good.toString(), "0")).as(err()).isZero();
    assertThat(out()).contains("superblock").contains("format version 4, page size 4096").contains("|PAGEFILE");
    int active = activeSlot();
    assertThat(run("dump", good.toString(), Integer.toString(active))).isZero();
    assertThat(out()).contains("metadata copy").contains("active; usable").contains("root  0 = 1234").contains("|PAGERMD4");
    assertThat(out()).contains("*");
    assertThat(run("dump", good.toString(), "999999")).isEqualTo(ExitCode.USAGE);
    assertThat(err()).contains("outside");
  }

  @Test
  void dumpStillShowsDamagedAndTruncatedFiles() throws IOException {
    int active = activeSlot();
    flip((long) active * 4096 + 24);
    assertThat(run("dump", good.toString(), Integer.toString(active))).isZero();
    assertThat(out()).contains("NOT usable: checksum mismatch");
    flip(0); // the superblock's magic: only --page-size can read the file now
    assertThat(run("dump", good.toString(), "3")).isEqualTo(ExitCode.NOT_A_PAGE_FILE);
    assertThat(run("dump", "--page-size", "4096", good.toString(), "3")).isZero();
    assertThat(out()).contains("page 3 of");
    try (FileChannel channel = FileChannel.open(good, StandardOpenOption.WRITE)) {
      channel.truncate(5 * 4096);
    }
    assertThat(run("dump", "--page-size", "4096", good.toString(), "7")).isEqualTo(ExitCode.USAGE);
    assertThat(err()).contains("holds pages 0 to 4");
  }

  @Test
  void benchPrintsATableOfRatiosToTheRawSync() {
    assertThat(run("bench", dir.resolve("bench").toString(), "--rounds", "20")).as(err()).isZero();
    assertThat(out())
        .contains("raw sync of one 4 KiB page")
        .contains("durable alloc (one commit)")
        .contains("protected 16-page transaction")
        .contains("x sync");
    assertThat(run("bench", "--rounds", "1")).isEqualTo(ExitCode.USAGE);
  }

  @Test
  void noCommandPrintsTheUsageOnceOnStderr() {
    assertThat(run()).isEqualTo(ExitCode.USAGE);
    assertThat(out()).isEmpty();
    assertThat(err()).startsWith("pager: name a command" + System.lineSeparator() + "Usage: pager ");
    assertThat(err().split("Usage: ", -1)).as(err()).hasSize(2);
  }

  @Test
  void helpNamesEveryCommandInWholeSentencesWithWordsForLabels() {
    assertThat(run("help")).as(err()).isZero();
    String usage = out();
    assertThat(usage).contains("Exit codes").contains("10 cannot run");
    // Each entry of the command list is a whole sentence, not a description cut at its first line.
    String list = usage.substring(usage.indexOf("Commands:") + "Commands:".length(), usage.indexOf("\n\n", usage.indexOf("Commands:")));
    List<String> entries = new ArrayList<>();
    for (String line : list.lines().filter(row -> !row.isBlank()).toList()) {
      if (line.startsWith("  ") && !line.startsWith("    ")) {
        entries.add(line.strip());
      } else {
        entries.set(entries.size() - 1, entries.getLast() + " " + line.strip());
      }
    }
    assertThat(entries).extracting(entry -> entry.substring(0, entry.indexOf(' ')))
        .containsExactly("demo", "info", "verify", "dump", "stats", "pages", "copy", "recover", "rollback", "compact", "bench", "help", "generate-completion");
    assertThat(entries).allSatisfy(entry -> assertThat(entry).endsWith("."));

    assertThat(run("help", "verify")).as(err()).isZero();
    assertThat(out()).startsWith("Usage: pager verify ").contains("no intact fallback");
    assertThat(run("dump", "--help")).isZero();
    assertThat(out()).contains("--page-size=<bytes>").doesNotContain("pageSizeOverride");
    assertThat(run("bench", "--help")).isZero();
    assertThat(out()).contains("--rounds=<count>").doesNotContain("<rounds>");
  }

  @Test
  void everyValueIsLabelledWithAWordNotTheNameOfAField() {
    // picocli's default label is the field's name (<pageSizeOverride>); every command sets its own.
    CommandLine pager = new CommandLine(new PagerCommand());
    List<String> labels = new ArrayList<>();
    for (Map.Entry<String, CommandLine> command : pager.getSubcommands().entrySet()) {
      for (ArgSpec arg : command.getValue().getCommandSpec().args()) {
        if (arg.arity().max() == 0 || !(arg.userObject() instanceof Field field)) {
          continue; // a flag, or picocli's own
        }
        String what = "pager " + command.getKey() + " " + field.getName();
        assertThat(arg.paramLabel()).as(what).isNotEqualTo("<" + field.getName() + ">");
        labels.add(arg.paramLabel());
      }
    }
    assertThat(labels).contains("FILE", "PAGE", "SRC", "DST", "DIR", "<bytes>", "<page>", "<pages>", "<count>", "PATH");
  }

  @Test
  void completionScriptCompletesTheCommands() {
    assertThat(run("generate-completion")).as(err()).isZero();
    assertThat(out()).contains("complete -F").contains("verify").contains("--strict");
  }

  @Test
  void usageErrorsAreUsageErrors() {
    assertThat(run()).isEqualTo(ExitCode.USAGE);
    assertThat(run("frobnicate")).isEqualTo(ExitCode.USAGE);
    assertThat(err()).contains("frobnicate").doesNotContain("\tat ");
    assertThat(run("dump", good.toString())).isEqualTo(ExitCode.USAGE);
    assertThat(run("--help")).isZero();
    assertThat(out()).contains("demo").contains("verify").contains("Exit codes");
  }

  private int activeSlot() {
    try {
      return PageFileInspection.inspect(good).activeSlot();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void flip(long offset) throws IOException {
    try (FileChannel channel = FileChannel.open(good, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      channel.read(one, offset);
      one.put(0, (byte) ~one.get(0));
      one.rewind();
      channel.write(one, offset);
    }
  }
}
