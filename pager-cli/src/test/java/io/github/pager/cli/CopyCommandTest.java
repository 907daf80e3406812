package io.github.pager.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.pager.allocator.SubPageAllocator;
import io.github.pager.core.PageFileInspection;
import io.github.pager.core.PageId;
import io.github.pager.core.Pager;
import io.github.pager.core.PagerOptions;
import io.github.pager.core.Transaction;
import io.github.pager.protectedpages.ProtectedPageAllocator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pager copy}: the copy opens clean at the source's commit; nothing is ever overwritten. */
class CopyCommandTest {
  @TempDir Path dir;

  private ByteArrayOutputStream out = new ByteArrayOutputStream();
  private ByteArrayOutputStream err = new ByteArrayOutputStream();
  private Path source;
  private long generation;
  private List<PageId> stamped = List.of();

  @BeforeEach
  void sourceFile() throws IOException {
    source = dir.resolve("source.pages");
    try (Pager pager = Pager.create(source, PagerOptions.defaults().withInitialPageCount(1000))) {
      stamped = pager.allocBulk(10);
      for (PageId id : stamped) {
        pager.page(id).putLong(0, id.index() + 1000);
      }
      SubPageAllocator.open(pager, 4, 128).allocBulk(40);
      ProtectedPageAllocator pages = ProtectedPageAllocator.open(pager, 12);
      try (var writer = pages.write(pages.alloc())) {
        writer.segment().fill((byte) 7);
        writer.commit();
      }
      try (Transaction tx = pager.begin()) {
        tx.setRoot(0, 1234);
        tx.commit();
      }
      generation = pager.generation();
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
  void aCopyOpensCleanAtTheSourcesGenerationAndVerifies() throws IOException {
    Path target = dir.resolve("backup.pages");
    assertThat(run("copy", source.toString(), target.toString())).as(err()).isZero();
    assertThat(out())
        .contains("copied      " + source + ", generation " + generation + ", to " + target)
        .contains("in use of 1,000 (3 reserved); free pages written as zeros")
        .contains("bytes       4,096,000 written, file 4,096,000 bytes (source 4,096,000)");
    assertThat(err()).isEmpty();
    assertThat(Files.size(target)).isEqualTo(Files.size(source));
    try (Pager copy = Pager.open(target, PagerOptions.defaults().withReadOnly(true))) {
      assertThat(copy.generation()).isEqualTo(generation);
      assertThat(copy.openedFromAlternate()).isFalse();
      assertThat(copy.root(0)).isEqualTo(1234);
      for (PageId id : stamped) {
        assertThat(copy.page(copy.pageId(id.index())).getLong(0)).isEqualTo(id.index() + 1000);
      }
    }
    assertThat(run("verify", "--json", target.toString())).as(out()).isZero();
    assertThat(out()).contains("\"ok\":true").contains("\"generation\":" + generation).contains("\"notes\":[\"10 allocated");
    assertThat(run("info", target.toString())).isZero();
    assertThat(out())
        .contains("metadata    active: copy A (page 1), generation " + generation)
        .contains("alternate: copy B, generation " + generation + ", usable")
        .contains("structure   slots 4-8: sub-page allocator: 128-byte sub-pages, 40 in use")
        .contains("structure   slots 12-16: protected pages: 1 in use");
  }

  @Test
  void aTrimmedSparseCopyEndsAfterItsLastPageInUse() throws IOException {
    Path target = dir.resolve("small.pages");
    assertThat(run("copy", "--trim", "--sparse", "--json", source.toString(), target.toString())).as(err()).isZero();
    assertThat(out()).contains("\"command\":\"copy\",\"ok\":true").contains("\"result\":{\"file\":\"" + source + "\",\"target\":").contains("\"generation\":" + generation)
        .contains("\"sourcePageCount\":1000").contains("\"sparse\":true,\"trimmed\":true");
    long pages = Files.size(target) / 4096;
    assertThat(pages).isLessThan(100);
    try (Pager copy = Pager.open(target, PagerOptions.defaults().withReadOnly(true))) {
      assertThat(copy.pageCount()).isEqualTo(pages);
      assertThat(out()).contains("\"pageCount\":" + pages + ",\"pagesInUse\":" + (pages - copy.freePageCount()));
    }
    assertThat(run("verify", target.toString())).as(out()).isZero();
  }

  @Test
  void anExistingTargetIsRefusedAndLeftUntouched() throws IOException {
    Path target = Files.writeString(dir.resolve("precious.pages"), "keep me");
    assertThat(run("copy", source.toString(), target.toString())).isEqualTo(ExitCode.EXISTS);
    assertThat(err()).isEqualTo("pager copy: " + target + ": refusing to overwrite it with a copy of " + source
        + System.lineSeparator());
    assertThat(Files.readString(target)).isEqualTo("keep me");
    assertThat(run("copy", source.toString(), source.toString())).isEqualTo(ExitCode.EXISTS);
    assertThat(filesInDir()).containsExactlyInAnyOrder("source.pages", "source.pages-lock", "precious.pages");
  }

  @Test
  void aDamagedSourceIsReportedAndLeavesNoCopy() throws IOException {
    Path target = dir.resolve("from-damaged.pages");
    // A leaf below the root of a tree of height 2 (1 KiB pages: 8,064 pages per leaf): open
    // accepts the file, and the copy finds the damage when it walks the tree.
    Path tall = dir.resolve("tall.pages");
    try (Pager pager = Pager.create(tall, PagerOptions.defaults().withPageSize(1024).withSparse(true)
        .withInitialPageCount(9000))) {
      pager.allocBulk(5);
    }
    // Every leaf among the first pages, the tree's current leaf among them (old ones are free).
    List<Long> leaves = new java.util.ArrayList<>();
    for (long page = 3; page < 40; page++) {
      if (readInt(tall, page * 1024) == 0x4E545346 && readInt(tall, page * 1024 + 4) == 0) {
        leaves.add(page);
        flip(tall, page * 1024 + 200);
      }
    }
    assertThat(leaves).as("leaf nodes among the first pages").isNotEmpty();
    assertThat(run("copy", tall.toString(), target.toString())).as(out()).isEqualTo(ExitCode.CORRUPT);
    assertThat(err()).startsWith("pager copy: ").contains("checksum").doesNotContain("\tat ");
    assertThat(Files.exists(target)).isFalse();

    // Both metadata copies damaged: the source does not open at all.
    flip(source, 4096 + 24);
    flip(source, 2 * 4096 + 24);
    assertThat(run("copy", source.toString(), target.toString())).isEqualTo(ExitCode.CORRUPT);
    assertThat(err()).contains("no usable metadata");
    assertThat(filesInDir())
        .containsExactlyInAnyOrder("source.pages", "source.pages-lock", "tall.pages", "tall.pages-lock");
  }

  @Test
  void missingFilesAndDirectoriesAreNamed() {
    assertThat(run("copy", dir.resolve("missing").toString(), dir.resolve("x").toString())).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(err()).isEqualTo("pager copy: no such file: " + dir.resolve("missing") + System.lineSeparator());
    assertThat(run("copy", source.toString(), dir.resolve("no/such/dir/x").toString())).isEqualTo(ExitCode.NOT_FOUND);
    assertThat(err()).contains("no such file: " + dir.resolve("no/such/dir"));
    assertThat(run("copy", source.toString())).isEqualTo(ExitCode.USAGE);
  }

  @Test
  void theInspectionOfACopyNamesCopyAActive() throws IOException {
    Path target = dir.resolve("inspected.pages");
    assertThat(run("copy", source.toString(), target.toString())).isZero();
    PageFileInspection inspection = PageFileInspection.inspect(target);
    assertThat(inspection.activeSlot()).isEqualTo(1);
    assertThat(inspection.copy(1).generation()).isEqualTo(inspection.copy(2).generation());
  }

  private List<String> filesInDir() throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(path -> path.getFileName().toString()).toList();
    }
  }

  private static int readInt(Path file, long offset) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer four = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
      channel.read(four, offset);
      return four.getInt(0);
    }
  }

  private static void flip(Path file, long offset) throws IOException {
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      channel.read(one, offset);
      one.put(0, (byte) ~one.get(0));
      one.rewind();
      channel.write(one, offset);
    }
  }
}
