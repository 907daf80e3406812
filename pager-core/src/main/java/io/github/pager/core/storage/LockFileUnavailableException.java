package io.github.pager.core.storage;

import java.io.IOException;

/**
 * A page file's lock file cannot be created or opened for writing: the directory or the lock
 * file is not writable, the file system is read-only, or something else stands in its place. A
 * writer cannot open the page file then; a read-only pager opens it without a place in the reader
 * table (see {@code Pager.isRegisteredReader()}).
 */
public final class LockFileUnavailableException extends IOException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what could not be opened, naming the lock file and its page file
   * @param cause the file system's refusal
   */
  public LockFileUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
