package io.github.pager.protectedpages;

import io.github.pager.core.CorruptPageFileException;

/**
 * A protected page's committed copy does not match the CRC32C its directory record holds: the
 * bytes rotted on disk, or were written outside a protected commit. The data is not handed out.
 *
 * <p>The page stays unreadable until it is freed (or rewritten from a backup by freeing it and
 * allocating a new one); a writer refuses to start from it, so the corruption is never blessed
 * with a fresh checksum.
 */
public final class ProtectedPageCorruptException extends CorruptPageFileException {
  private static final long serialVersionUID = 1L;

  /** The protected page's id; part of the serialized form. */
  private final long protectedId;

  /** The index of the physical copy that failed its checksum; part of the serialized form. */
  private final long physicalPage;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the file, the protected page and the physical page
   * @param protectedId the protected page's id
   * @param physicalPage the index of the physical copy that failed its checksum
   */
  public ProtectedPageCorruptException(String message, long protectedId, long physicalPage) {
    super(message);
    this.protectedId = protectedId;
    this.physicalPage = physicalPage;
  }

  /**
   * Returns the id of the protected page whose copy is corrupt.
   *
   * @return the protected page id, as {@link ProtectedPageId#value()} gives it
   */
  public long protectedId() {
    return protectedId;
  }

  /**
   * Returns the physical page that failed its checksum.
   *
   * @return the page's index in the file
   */
  public long physicalPage() {
    return physicalPage;
  }
}
