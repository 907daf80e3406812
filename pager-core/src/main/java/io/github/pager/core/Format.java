package io.github.pager.core;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The constants of the on-disk format, each named as {@code FORMAT.md} names it.
 *
 * <p>Every multi-byte integer on disk is little-endian. Offsets are in bytes from the start of the
 * structure they belong to. No other class spells a magic number or an offset.
 */
final class Format {
  private Format() {}

  /**
   * The only format version this code writes, and the only one it reads. Versions 1 (a superblock
   * flipped by every commit), 2 (pending pages kept in memory only) and 3 (the pending list
   * rewritten whole by every commit that frees a page) are refused: see FORMAT.md, "Versions and
   * compatibility".
   */
  static final int FORMAT_VERSION = 4;

  static final int MIN_PAGE_SIZE_LOG2 = 10;
  static final int MAX_PAGE_SIZE_LOG2 = 16;

  /** The pages before the first data page: superblock, metadata A, metadata B. */
  static final long SUPERBLOCK_PAGE = 0;

  static final long METADATA_A_PAGE = 1;
  static final long METADATA_B_PAGE = 2;
  static final long FIRST_DATA_PAGE = 3;

  /** Page counts are capped so that every byte offset of a page fits a signed 64-bit value. */
  static final long MAX_PAGE_COUNT = 1L << 40;

  /** A device sector: the superblock fits in one. Nothing relies on its writes being atomic (FORMAT.md). */
  static final int SECTOR_SIZE = 512;

  static final ValueLayout.OfLong U64 =
      ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  static final ValueLayout.OfInt U32 =
      ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  // ---- Superblock: page 0, its first sector; written at create and never by a commit. ----

  /** ASCII "PAGEFILE" read as a little-endian u64. */
  static final long SB_MAGIC_VALUE = 0x454C4946_45474150L;

  static final int SB_MAGIC = 0;
  static final int SB_FORMAT_VERSION = 8;
  static final int SB_PAGE_SIZE_LOG2 = 12;

  /** Bytes [16, 32) are reserved and zero. */
  static final int SB_CRC = 32;
  static final int SB_LENGTH = 36;

  // ---- Metadata record: the start of page 1 (A) or page 2 (B), MD_INLINE_RUNS bytes and its inline runs. ----

  /** ASCII "PAGERMD4" read as a little-endian u64. */
  static final long MD_MAGIC_VALUE = 0x34444D52_45474150L;

  static final int MD_MAGIC = 0;
  static final int MD_GENERATION = 8;
  static final int MD_PAGE_COUNT = 16;
  static final int MD_FREE_COUNT = 24;
  static final int MD_TREE_ROOT = 32;
  static final int MD_TREE_ROOT_CRC = 40;
  static final int MD_TREE_HEIGHT = 44;
  static final int MD_ROOTS = 48;
  static final int ROOT_SLOTS = 32;
  static final int MD_PENDING_HEAD = MD_ROOTS + ROOT_SLOTS * 8;
  static final int MD_PENDING_CRC = MD_PENDING_HEAD + 8;
  static final int MD_PAGE_SIZE_LOG2 = MD_PENDING_CRC + 4;
  static final int MD_PENDING_PAGES = MD_PAGE_SIZE_LOG2 + 4;
  static final int MD_INLINE_RUN_COUNT = MD_PENDING_PAGES + 4;
  static final int MD_RELEASED_THROUGH = MD_INLINE_RUN_COUNT + 4;
  static final int MD_CRC = MD_RELEASED_THROUGH + 8;

  /** Bytes [340, 344) are reserved and zero. */
  static final int MD_INLINE_RUNS = MD_CRC + 8;

  // ---- Pending list chain page: one whole page, a link of the chain the record's pending head starts. ----

  /** ASCII "PAGERPND" read as a little-endian u64. */
  static final long PL_MAGIC_VALUE = 0x444E5052_45474150L;

  static final int PL_MAGIC = 0;
  static final int PL_NEXT = 8;
  static final int PL_NEXT_CRC = 16;
  static final int PL_RUN_COUNT = 20;
  static final int PL_RUNS = 24;

  /**
   * A run, in a chain page or inline in a record: the generation of the commit that freed it
   * (u64), its first page (u64), its length (u64).
   */
  static final int PL_RUN_SIZE = 24;

  static final int RUN_FREED_BY = 0;
  static final int RUN_FIRST = 8;
  static final int RUN_LENGTH = 16;

  // ---- Free-space tree node: one whole page. ----

  /** ASCII "FSTN" read as a little-endian u32. */
  static final int NODE_MAGIC_VALUE = 0x4E545346;

  static final int NODE_MAGIC = 0;
  static final int NODE_LEVEL = 4;
  static final int NODE_INDEX = 8;
  static final int NODE_BODY = 16;

  /** An interior entry: child page (u64), child CRC32C (u32), child flags (u32). */
  static final int ENTRY_SIZE = 16;

  static final int ENTRY_CHILD = 0;
  static final int ENTRY_CRC = 8;
  static final int ENTRY_FLAGS = 12;

  /** Entry flag: every bit under the child is set (for the free-space tree: every page in use). */
  static final int FLAG_FULL = 1;

  /** Entry flag: no bit under the child is set. */
  static final int FLAG_EMPTY = 2;

  /** The tallest free-space tree a file may declare; far above what {@link #MAX_PAGE_COUNT} needs. */
  static final int MAX_TREE_HEIGHT = 8;
}
