package io.github.pager.core;

import static io.github.pager.core.Format.SB_ACTIVE_CRC;
import static io.github.pager.core.Format.SB_ACTIVE_SLOT;
import static io.github.pager.core.Format.SB_CRC;
import static io.github.pager.core.Format.SB_FORMAT_VERSION;
import static io.github.pager.core.Format.SB_GENERATION;
import static io.github.pager.core.Format.SB_LENGTH;
import static io.github.pager.core.Format.SB_MAGIC;
import static io.github.pager.core.Format.SB_MAGIC_VALUE;
import static io.github.pager.core.Format.SB_PAGE_SIZE_LOG2;
import static io.github.pager.core.Format.U32;
import static io.github.pager.core.Format.U64;

import java.lang.foreign.MemorySegment;

/**
 * The superblock: page 0's first sector, naming the page size and which metadata copy is active.
 *
 * <p>It is the only thing a commit changes in page 0, and all of it lies inside one 512-byte
 * sector, so the flip from one metadata copy to the other is a single atomic sector write. The
 * superblock's own CRC covers every field; the active copy's CRC and generation are kept here so
 * that a metadata page that is self-consistent but not the one the flip named is still rejected.
 *
 * @param formatVersion the format version the file was written in
 * @param pageSizeLog2 log2 of the page size
 * @param activeSlot the page holding the active metadata: 1 (A) or 2 (B)
 * @param activeCrc the CRC32C of the active metadata record
 * @param generation the generation of the active metadata record
 */
record Superblock(
    int formatVersion, int pageSizeLog2, int activeSlot, int activeCrc, long generation) {

  /**
   * Reads and checks the superblock at the start of {@code segment}.
   *
   * @param segment at least the first {@link Format#SB_LENGTH} bytes of the file
   * @param resource the file's name, for messages
   */
  static Superblock read(MemorySegment segment, String resource) throws PageFileException {
    if (segment.byteSize() < SB_LENGTH || segment.get(U64, SB_MAGIC) != SB_MAGIC_VALUE) {
      throw new NotAPageFileException(resource + " is not a page file: no page-file magic at offset 0");
    }
    int version = segment.get(U32, SB_FORMAT_VERSION);
    if (version > Format.FORMAT_VERSION) {
      throw new UnsupportedFormatVersionException(
          resource + " has format version " + Integer.toUnsignedString(version)
              + "; this library reads versions up to " + Format.FORMAT_VERSION);
    }
    int storedCrc = segment.get(U32, SB_CRC);
    int actualCrc = Checksums.crc32c(segment, 0, SB_CRC);
    if (storedCrc != actualCrc) {
      throw new CorruptSuperblockException(
          resource + ": superblock checksum mismatch (stored " + Integer.toHexString(storedCrc)
              + ", computed " + Integer.toHexString(actualCrc) + ")");
    }
    if (version < 1) {
      throw new CorruptSuperblockException(resource + ": superblock format version " + version);
    }
    int log2 = segment.get(U32, SB_PAGE_SIZE_LOG2);
    if (log2 < Format.MIN_PAGE_SIZE_LOG2 || log2 > Format.MAX_PAGE_SIZE_LOG2) {
      throw new CorruptSuperblockException(resource + ": superblock page size 2^" + log2 + " is out of range");
    }
    int slot = segment.get(U32, SB_ACTIVE_SLOT);
    if (slot != Format.METADATA_A_PAGE && slot != Format.METADATA_B_PAGE) {
      throw new CorruptSuperblockException(resource + ": superblock active metadata slot " + slot + " is neither 1 nor 2");
    }
    return new Superblock(version, log2, slot, segment.get(U32, SB_ACTIVE_CRC), segment.get(U64, SB_GENERATION));
  }

  /** Writes every field and the CRC into the first sector of {@code segment}. */
  void writeTo(MemorySegment segment) {
    segment.set(U64, SB_MAGIC, SB_MAGIC_VALUE);
    segment.set(U32, SB_FORMAT_VERSION, formatVersion);
    segment.set(U32, SB_PAGE_SIZE_LOG2, pageSizeLog2);
    segment.set(U32, SB_ACTIVE_SLOT, activeSlot);
    segment.set(U32, SB_ACTIVE_CRC, activeCrc);
    segment.set(U64, SB_GENERATION, generation);
    segment.set(U32, SB_CRC, Checksums.crc32c(segment, 0, SB_CRC));
  }

  /** The page of the metadata copy that is not active: where the next commit writes. */
  int inactiveSlot() {
    return (int) (Format.METADATA_A_PAGE + Format.METADATA_B_PAGE) - activeSlot;
  }
}
