package io.github.pager.core;

/**
 * The superblock (page 0) fails its checksum or holds an impossible value.
 */
public final class CorruptSuperblockException extends CorruptPageFileException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what went wrong, naming the file or page concerned
   */
  public CorruptSuperblockException(String message) {
    super(message);
  }
}
