package io.github.pager.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A plain file mapped read-write with {@code FileChannel.map(READ_WRITE, 0, size,
 * Arena.ofShared())}: the physical limit every pager figure is compared with.
 *
 * <p>The file is filled with zeros in 4 KiB writes, as pager-core reserves its own blocks, so its
 * pages sit in the page cache as small folios in both cases; a file written in large pieces would
 * be kept in large folios, and syncing one dirty page of it would write the whole folio (see
 * TOOLCHAIN.md). The comparison is therefore between like files.
 */
final class RawMappedFile implements AutoCloseable {
  /** Little-endian and unaligned, as {@code MappedPage} reads and writes. */
  static final ValueLayout.OfLong LONG =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final FileChannel channel;
  private final Arena arena;
  private final MemorySegment segment;

  // The arena lives as long as this object, which is AutoCloseable and closes it in close().
  @SuppressWarnings("MustBeClosedChecker")
  private RawMappedFile(FileChannel channel, long size) throws IOException {
    this.channel = channel;
    this.arena = Arena.ofShared();
    this.segment = channel.map(FileChannel.MapMode.READ_WRITE, 0, size, arena);
  }

  /** Creates a file of {@code size} bytes of zeros, written 4 KiB at a time and synced, and maps it. */
  static RawMappedFile create(Path path, long size) throws IOException {
    FileChannel channel =
        FileChannel.open(
            path, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE);
    try {
      ByteBuffer zeros = ByteBuffer.allocate(FileSize.PAGE_SIZE);
      for (long at = 0; at < size; at += FileSize.PAGE_SIZE) {
        zeros.clear();
        while (zeros.hasRemaining()) {
          channel.write(zeros, at + zeros.position());
        }
      }
      channel.force(true);
      return new RawMappedFile(channel, size);
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
  }

  /** The whole mapping. */
  MemorySegment segment() {
    return segment;
  }

  /** The 4 KiB page {@code index} of the mapping. */
  MemorySegment page(long index) {
    return segment.asSlice(index * FileSize.PAGE_SIZE, FileSize.PAGE_SIZE);
  }

  /** Writes {@code page} (one page of bytes) at byte {@code offset} through the channel: {@code pwrite}. */
  void write(ByteBuffer page, long offset) throws IOException {
    page.clear();
    while (page.hasRemaining()) {
      channel.write(page, offset + page.position());
    }
  }

  /**
   * Writes {@code page} at byte {@code offset} through a second channel on the same file opened
   * with {@code DSYNC} ({@code O_DSYNC}): the write returns once its bytes are durable, as LMDB
   * writes its meta page. Opened and closed per call here; a pager would keep it open.
   */
  void writeDurably(FileChannel dsync, ByteBuffer page, long offset) throws IOException {
    page.clear();
    while (page.hasRemaining()) {
      dsync.write(page, offset + page.position());
    }
  }

  /** {@code FileChannel.force(false)}: what pager-core's "sync everything" does. */
  void forceFile() throws IOException {
    channel.force(false);
  }

  /**
   * Reads one word of every page, so that none is paged out when the measurement starts: this
   * machine's reclaim daemon evicts file pages idle for about a minute.
   */
  long touchEveryPage() {
    long sum = 0;
    for (long at = 0; at < segment.byteSize(); at += FileSize.PAGE_SIZE) {
      sum += segment.get(LONG, at);
    }
    return sum;
  }

  @Override
  public void close() throws IOException {
    try {
      arena.close();
    } finally {
      channel.close();
    }
  }
}
