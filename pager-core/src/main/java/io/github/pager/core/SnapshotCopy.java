package io.github.pager.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * Writes one snapshot's commit to a new file: the online backup behind {@link Snapshot#copyTo}.
 *
 * <p>What the copy holds (FORMAT.md, "Copies"): a fresh superblock; the snapshot's metadata record
 * in <em>both</em> metadata pages, with the snapshot's generation, so that the copy opens clean at
 * that generation, with no fallback taken and no copy left unwritten for {@code verify} to report;
 * every page the snapshot's free-space tree marks in use, byte for byte; and its free pages as
 * zeros or, when sparse, as holes. A trimmed copy ends after its highest page in use.
 *
 * <p>Why it is safe while a writer goes on: the snapshot's commit is pinned, so no page it reaches
 * is handed out again until the snapshot closes, and its tree, its layers' trees and its user
 * pages stay as that commit left them. The exception is a user page written in place: the copy
 * holds it as it is at the moment it is copied, the same contract as reading it through the
 * snapshot. A read-only pager's snapshot cannot pin anything in a writer that runs in another
 * process; the copy then checks, after its last read, that the file has not gone two commits past
 * the snapshot (the earliest a page the snapshot reaches may be reused), and reports a {@link
 * StaleViewException} otherwise.
 *
 * <p>How it reaches the disk: into a temporary file beside the target, synced, then published
 * under the target's name with {@code link(2)}, which, unlike {@code rename(2)}, never replaces a
 * file that appeared meanwhile; then the directory is synced. A copy that fails at any step
 * leaves neither the temporary file nor the target behind.
 *
 * <p>The free-space tree is walked through a node cache of the copy's own, so the copy takes no
 * lock of the snapshot or the pager and holds up no other reader.
 */
final class SnapshotCopy {
  /** Pages are gathered into a buffer of this size and written with one call per buffer. */
  private static final int BUFFER_BYTES = 1 << 20;

  /** How many names a temporary file tries before giving up: each is random, a clash is rare. */
  private static final int TEMPORARY_NAME_ATTEMPTS = 16;

  private final MappedFile file;
  private final MetadataRecord record;
  private final CopyOptions options;
  private final FileChannel out;
  private final int pageSize;
  private final MemorySegment buffer;
  private final int bufferPages;

  /** The page of the buffer's first page; meaningful while {@link #bufferedPages} is not 0. */
  private long bufferStart;

  private int bufferedPages;

  /** The first page not yet handled: every page below it is in the buffer or written. */
  private long next;

  private long highestInUse;
  private long pagesInUse;
  private long bytesWritten;

  private SnapshotCopy(MappedFile file, MetadataRecord record, CopyOptions options, FileChannel out, MemorySegment buffer) {
    this.file = file;
    this.record = record;
    this.options = options;
    this.out = out;
    this.pageSize = file.pageSize();
    this.buffer = buffer;
    this.bufferPages = (int) (buffer.byteSize() / pageSize);
  }

  /**
   * Writes the copy and publishes it under {@code target}.
   *
   * @param file the snapshot's file
   * @param geometry its free-space tree's geometry
   * @param record the snapshot's commit
   * @param target where the copy goes; must not exist
   * @param options trimming, holes, progress
   * @param snapshotOpen tells whether the snapshot is still open, so still pins its commit
   */
  static CopyReport write(
      MappedFile file, TreeGeometry geometry, MetadataRecord record, Path target, CopyOptions options,
      BooleanSupplier snapshotOpen) throws IOException {
    Path absolute = target.toAbsolutePath();
    Path directory = absolute.getParent();
    if (directory == null || absolute.getFileName() == null) {
      throw new IllegalArgumentException("a copy needs a file name, not " + target);
    }
    if (!Files.isDirectory(directory)) {
      throw new NoSuchFileException(directory.toString(), null, "the directory of the copy " + target + " does not exist");
    }
    if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
      throw new FileAlreadyExistsException(
          target.toString(), null, "refusing to overwrite it with a copy of " + file.describe());
    }
    Path temporary = null;
    try {
      temporary = temporaryBeside(directory, absolute);
      long pageCount;
      long[] counts;
      try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE);
          Arena arena = Arena.ofConfined()) {
        SnapshotCopy copy =
            new SnapshotCopy(file, record, options, channel, arena.allocate(Math.max(BUFFER_BYTES, file.pageSize())));
        pageCount = copy.copyPages(geometry);
        // After the last read of the source: a writer in another process that has gone two
        // commits past the snapshot may have reused what was read (see the class comment).
        file.requireCurrentView("copy of generation " + record.generation);
        if (!snapshotOpen.getAsBoolean()) {
          throw new IllegalStateException(
              "the snapshot of generation " + record.generation + " of " + file.describe()
                  + " was closed while it was being copied: the copy may hold pages of later commits");
        }
        copy.writeReservedPages(recordOfCopy(record, pageCount));
        channel.force(true);
        counts = new long[] {copy.pagesInUse, copy.bytesWritten};
      }
      publish(temporary, directory, absolute, target);
      temporary = null;
      return new CopyReport(target, record.generation, pageCount, counts[0], counts[1], pageCount * file.pageSize());
    } catch (IOException | RuntimeException e) {
      if (temporary != null) {
        deleteQuietly(temporary, e);
      }
      throw e;
    }
  }

  /**
   * The record both metadata pages of the copy hold: the snapshot's own, at its generation, with
   * the page and free counts of the copy (they differ only when the free tail was trimmed; every
   * trimmed page was free, and the tree's bits past the new count are clear already, so the tree
   * root, its CRC and its height stay valid).
   *
   * <p>The pending list is kept as it is: its chain is in use, so {@link #copyPages} copies it,
   * and the copy's first commits release the pages it lists by the usual rule. A record without
   * it would leave the chain's pages in use and owned by nothing. Trimming stops above the highest
   * page the list names, so that every run stays below the copy's page count.
   */
  private static MetadataRecord recordOfCopy(MetadataRecord snapshot, long pageCount) {
    if (pageCount == snapshot.pageCount) {
      return snapshot;
    }
    long trimmed = snapshot.pageCount - pageCount;
    return new MetadataRecord(
        snapshot.generation, pageCount, snapshot.freeCount - trimmed, snapshot.treeRoot, snapshot.treeRootCrc,
        snapshot.treeHeight, snapshot.roots(), snapshot.pendingList);
  }

  /**
   * Copies every page the snapshot's tree marks in use, and the free pages between them (zeros
   * or holes), in one pass in page order; returns the copy's page count.
   */
  private long copyPages(TreeGeometry geometry) throws IOException {
    CopyOnWriteTree tree =
        new CopyOnWriteTree(file, geometry, new NodeCache(), record.treeRoot, record.treeRootCrc, record.treeHeight);
    try {
      new TreeWalker(tree, record.pageCount).forEachSetBit(page -> {
        try {
          inUse(page);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    long highestPending = 0;
    for (PendingList.Run run : PendingList.read(file, record).allRuns()) {
      highestPending = Math.max(highestPending, run.first() + run.length() - 1);
    }
    long pageCount = options.trimFreeTail()
        ? Math.max(Math.max(highestInUse, highestPending) + 1, Format.FIRST_DATA_PAGE + 1)
        : record.pageCount;
    free(pageCount);
    flush();
    if (out.size() < pageCount * pageSize) {
      // A sparse copy whose last pages are free: one zero byte gives the file its length.
      out.write(ByteBuffer.allocate(1), pageCount * pageSize - 1);
    }
    return pageCount;
  }

  private void inUse(long page) throws IOException {
    free(page);
    // Pages 0 to 2 are always in use; their bytes are written last, by writeReservedPages.
    append(page, page < Format.FIRST_DATA_PAGE ? null : file.page(page));
    pagesInUse++;
    highestInUse = page;
    next = page + 1;
  }

  /** Handles the free pages from {@link #next} up to {@code end}: zeros, or holes when sparse. */
  private void free(long end) throws IOException {
    if (!options.sparse()) {
      for (long page = next; page < end; page++) {
        append(page, null);
      }
    }
    next = Math.max(next, end);
  }

  /** Adds a page to the buffer (zeros when {@code source} is null), writing the buffer when due. */
  private void append(long page, @Nullable MemorySegment source) throws IOException {
    if (bufferedPages > 0 && bufferStart + bufferedPages != page) {
      flush();
    }
    if (bufferedPages == 0) {
      bufferStart = page;
    }
    MemorySegment slot = buffer.asSlice((long) bufferedPages * pageSize, pageSize);
    if (source == null) {
      slot.fill((byte) 0);
    } else {
      PageFaults.read(source, slot, file.describe(), page, "page in use");
    }
    bufferedPages++;
    if (bufferedPages == bufferPages) {
      flush();
    }
  }

  private void flush() throws IOException {
    if (bufferedPages == 0) {
      return;
    }
    long length = (long) bufferedPages * pageSize;
    writeFully(buffer.asSlice(0, length).asByteBuffer(), bufferStart * pageSize);
    bytesWritten += length;
    options.progress().accept(Math.min(1.0, (double) (bufferStart + bufferedPages) / record.pageCount));
    bufferedPages = 0;
  }

  /** Writes the superblock and the copy's record into both metadata pages. */
  private void writeReservedPages(MetadataRecord copyRecord) throws IOException {
    MemorySegment page = MemorySegment.ofArray(new byte[pageSize]);
    byte[] superblock = Superblock.current(pageSize).encode();
    MemorySegment.copy(superblock, 0, page, ValueLayout.JAVA_BYTE, 0, superblock.length);
    writeFully(page.asByteBuffer(), Format.SUPERBLOCK_PAGE * pageSize);
    page.fill((byte) 0);
    byte[] recordBytes = copyRecord.encode(pageSize);
    MemorySegment.copy(recordBytes, 0, page, ValueLayout.JAVA_BYTE, 0, recordBytes.length);
    writeFully(page.asByteBuffer(), Format.METADATA_A_PAGE * pageSize);
    writeFully(page.asByteBuffer(), Format.METADATA_B_PAGE * pageSize);
  }

  private void writeFully(ByteBuffer bytes, long offset) throws IOException {
    long position = offset;
    while (bytes.hasRemaining()) {
      position += out.write(bytes, position);
    }
  }

  /** Creates an empty file with a random name beside the target, for the copy to be written into. */
  private static Path temporaryBeside(Path directory, Path target) throws IOException {
    String name = String.valueOf(target.getFileName());
    for (int attempt = 1; ; attempt++) {
      Path temporary = directory.resolve(name + ".copying-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
      try {
        FileChannel.open(temporary, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        return temporary;
      } catch (FileAlreadyExistsException clash) {
        if (attempt == TEMPORARY_NAME_ATTEMPTS) {
          throw clash;
        }
      }
    }
  }

  /**
   * Gives the synced temporary file the target's name, refusing a target that appeared meanwhile,
   * and syncs the directory so that the name is durable. Afterwards the temporary name is gone;
   * on failure neither name is left.
   */
  private static void publish(Path temporary, Path directory, Path absolute, Path target) throws IOException {
    try {
      Files.createLink(absolute, temporary);
    } catch (FileAlreadyExistsException appeared) {
      throw new FileAlreadyExistsException(
          target.toString(), null, "appeared while the copy was written; the copy was not published");
    } catch (IOException | UnsupportedOperationException noLink) {
      // A file system without hard links: move without replacing, which checks the target just
      // before the rename instead of in it.
      try {
        Files.move(temporary, absolute);
      } catch (IOException moving) {
        moving.addSuppressed(noLink);
        throw moving;
      }
    }
    try {
      Files.deleteIfExists(temporary);
      try (FileChannel entries = FileChannel.open(directory, StandardOpenOption.READ)) {
        entries.force(true);
      }
    } catch (IOException | RuntimeException e) {
      deleteQuietly(absolute, e);
      throw e;
    }
  }

  private static void deleteQuietly(Path path, Throwable failure) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      failure.addSuppressed(e);
    }
  }
}
