package io.github.pager.core.storage;

import java.io.IOException;

/**
 * A page file's lock file holds something other than a reader table this library knows: another
 * program's bytes, or a table of a newer layout. Nothing is written to it. See FORMAT.md, "The
 * lock file".
 */
public final class LockFileFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message the lock file, and what its header holds instead
   */
  public LockFileFormatException(String message) {
    super(message);
  }
}
