package io.github.pager.core;

import static io.github.pager.core.Format.SB_CRC;
import static io.github.pager.core.Format.SB_FORMAT_VERSION;
import static io.github.pager.core.Format.SB_LENGTH;
import static io.github.pager.core.Format.SB_MAGIC;
import static io.github.pager.core.Format.SB_MAGIC_VALUE;
import static io.github.pager.core.Format.SB_PAGE_SIZE_LOG2;
import static io.github.pager.core.Format.U32;
import static io.github.pager.core.Format.U64;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The superblock: page 0's first sector, saying that the file is a page file, in which format
 * version, and with which page size.
 *
 * <p>It is written once, at create, and never by a commit: which metadata copy is current is
 * decided by the copies themselves (the valid one with the higher generation), so no commit
 * depends on a store into page 0 being whole. A superblock that rots loses nothing either, since
 * every metadata record repeats the page size; see {@link PageFileOpener}.
 *
 * @param formatVersion the format version the file was written in
 * @param pageSizeLog2 log2 of the page size
 */
record Superblock(int formatVersion, int pageSizeLog2) {

  /** The superblock of a new file in this library's format. */
  static Superblock current(int pageSize) {
    return new Superblock(Format.FORMAT_VERSION, Integer.numberOfTrailingZeros(pageSize));
  }

  /**
   * Reads and checks the superblock at the start of {@code segment}. A superblock whose CRC fails
   * is reported as corrupt even when its version field looks newer: the caller may still find the
   * page size in the metadata records, or, failing that, report the version.
   *
   * @param segment at least the first {@link Format#SB_LENGTH} bytes of the file; a private copy,
   *     so that what is checked is what is used
   * @param resource the file's name, for messages
   * @throws NotAPageFileException when the magic is missing
   * @throws UnsupportedFormatVersionException when the version is not this library's
   * @throws CorruptSuperblockException when the CRC or a field is wrong
   */
  static Superblock read(MemorySegment segment, String resource) throws PageFileException {
    requireMagic(segment, resource);
    int version = segment.get(U32, SB_FORMAT_VERSION);
    int storedCrc = segment.get(U32, SB_CRC);
    int actualCrc = Checksums.crc32c(segment, 0, SB_CRC);
    if (storedCrc != actualCrc) {
      throw new CorruptSuperblockException(
          resource + ": superblock checksum mismatch (stored " + Integer.toHexString(storedCrc)
              + ", computed " + Integer.toHexString(actualCrc) + ")");
    }
    if (version != Format.FORMAT_VERSION && version > 0) {
      throw new UnsupportedFormatVersionException(unsupported(resource, version));
    }
    if (version < 1) {
      throw new CorruptSuperblockException(resource + ": superblock format version " + version);
    }
    int log2 = segment.get(U32, SB_PAGE_SIZE_LOG2);
    if (log2 < Format.MIN_PAGE_SIZE_LOG2 || log2 > Format.MAX_PAGE_SIZE_LOG2) {
      throw new CorruptSuperblockException(resource + ": superblock page size 2^" + log2 + " is out of range");
    }
    return new Superblock(version, log2);
  }

  /** The version field as stored, whether or not the superblock checks out. */
  static int storedVersion(MemorySegment segment) {
    return segment.get(U32, SB_FORMAT_VERSION);
  }

  /** Refuses a file that does not start with the page-file magic. */
  static void requireMagic(MemorySegment segment, String resource) throws NotAPageFileException {
    if (segment.byteSize() < SB_LENGTH || segment.get(U64, SB_MAGIC) != SB_MAGIC_VALUE) {
      throw new NotAPageFileException(resource + " is not a page file: no page-file magic at offset 0");
    }
  }

  static String unsupported(String resource, int version) {
    String only = "this library reads version " + Format.FORMAT_VERSION + " only";
    String reason =
        Integer.compareUnsigned(version, Format.FORMAT_VERSION) > 0
            ? only + "; a newer library wrote it"
            : version == 1
                ? "version 1 files were written by pre-release builds whose commits were not safe against a process "
                    + "kill; " + only
                : "version 2 files were written by pre-release builds that kept pending pages in memory only, so "
                    + "their metadata has no pending list; " + only;
    return resource + " has format version " + Integer.toUnsignedString(version) + ": " + reason;
  }

  /**
   * Writes every field and the CRC into a private copy of page 0's first sector; the caller
   * stores the sector into the file in one piece.
   */
  byte[] encode() {
    MemorySegment sector = MemorySegment.ofArray(new byte[Format.SECTOR_SIZE]);
    sector.set(U64, SB_MAGIC, SB_MAGIC_VALUE);
    sector.set(U32, SB_FORMAT_VERSION, formatVersion);
    sector.set(U32, SB_PAGE_SIZE_LOG2, pageSizeLog2);
    sector.set(U32, SB_CRC, Checksums.crc32c(sector, 0, SB_CRC));
    return sector.toArray(ValueLayout.JAVA_BYTE);
  }

  /** Stores the encoded sector at the start of {@code page0}. */
  void writeTo(MemorySegment page0, String resource) throws UnreadablePageException {
    PageFaults.write(encode(), page0, resource, Format.SUPERBLOCK_PAGE, "superblock");
  }

  int pageSize() {
    return 1 << pageSizeLog2;
  }
}
