package io.github.pager.protectedpages;

import io.github.pager.core.CorruptPageFileException;

/**
 * One protected page's record in the directory: its two physical copies, the CRC32C of each, and
 * the committed version, which says which copy is active.
 *
 * <p>On disk (FORMAT.md, "Protected page directory") the record is four u64 words: {@code
 * COPY_A}, {@code COPY_B}, {@code CRCS} (CRC of copy A in bits 0..31, of copy B in bits 32..63)
 * and {@code VERSION}. Version 0 means the id is free and every word is 0; otherwise copy A is
 * active when the version is odd and copy B when it is even, so committing a new version into
 * the inactive copy is exactly "version + 1". The inactive copy's CRC is that of the version
 * before, and holds only until the inactive copy is next staged into.
 *
 * @param copyA the page of copy A
 * @param copyB the page of copy B
 * @param crcA the CRC32C of copy A when it was last committed
 * @param crcB the CRC32C of copy B when it was last committed (0 before its first commit)
 * @param version the committed version; 0 for a free id, then 1, 2, ... per commit
 */
record DirectoryEntry(long copyA, long copyB, int crcA, int crcB, long version) {
  /** Bytes per directory record ({@code RECORD_SIZE} in FORMAT.md). */
  static final int RECORD_SIZE = 32;

  /** The record of a free id: all zeros. */
  static final DirectoryEntry FREE = new DirectoryEntry(0, 0, 0, 0, 0);

  boolean isFree() {
    return version == 0;
  }

  private boolean activeIsA() {
    return (version & 1) == 1;
  }

  /** The copy readers read: A at odd versions, B at even ones. */
  long activePage() {
    return activeIsA() ? copyA : copyB;
  }

  /** The copy the next write stages into. */
  long inactivePage() {
    return activeIsA() ? copyB : copyA;
  }

  int activeCrc() {
    return activeIsA() ? crcA : crcB;
  }

  /** The next version: the inactive copy becomes active; its CRC is set by {@link #withActiveCrc}. */
  DirectoryEntry nextVersion() {
    return new DirectoryEntry(copyA, copyB, crcA, crcB, version + 1);
  }

  /**
   * The next version staged into {@code freshPage} instead of the inactive copy, which an open
   * snapshot may still read as its active copy; the inactive copy's page is freed by the caller.
   */
  DirectoryEntry nextVersionAt(long freshPage) {
    return activeIsA()
        ? new DirectoryEntry(copyA, freshPage, crcA, 0, version + 1)
        : new DirectoryEntry(freshPage, copyB, 0, crcB, version + 1);
  }

  /** This entry with the active copy's CRC replaced, once the staged bytes are final. */
  DirectoryEntry withActiveCrc(int crc) {
    return activeIsA()
        ? new DirectoryEntry(copyA, copyB, crc, crcB, version)
        : new DirectoryEntry(copyA, copyB, crcA, crc, version);
  }

  long[] toRecord() {
    if (isFree()) {
      return new long[RECORD_SIZE / 8];
    }
    return new long[] {copyA, copyB, (crcA & 0xFFFF_FFFFL) | ((long) crcB << 32), version};
  }

  /**
   * Decodes a stored record, refusing one no commit could have written.
   *
   * @param record the four words
   * @param id the protected page id, for the message
   * @param pageCount the pager's page count: copies lie in {@code [3, pageCount)}
   * @param where the file, for the message
   */
  static DirectoryEntry fromRecord(long[] record, long id, long pageCount, String where)
      throws CorruptPageFileException {
    DirectoryEntry entry =
        new DirectoryEntry(record[0], record[1], (int) record[2], (int) (record[2] >>> 32), record[3]);
    boolean valid = entry.isFree()
        ? record[0] == 0 && record[1] == 0 && record[2] == 0
        : entry.copyA >= 3 && entry.copyA < pageCount && entry.copyB >= 3 && entry.copyB < pageCount
            && entry.copyA != entry.copyB;
    if (!valid) {
      throw new CorruptPageFileException(
          where + ": directory record of protected page " + id + " is impossible: " + entry);
    }
    return entry;
  }

  @Override
  public String toString() {
    return isFree()
        ? "DirectoryEntry[free]"
        : "DirectoryEntry[A=" + copyA + ", B=" + copyB + ", crcA=" + Integer.toHexString(crcA) + ", crcB="
            + Integer.toHexString(crcB) + ", version=" + version + ", active=" + activePage() + "]";
  }
}
