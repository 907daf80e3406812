package io.github.pager.core;

/**
 * A page of the file cannot be read: the disk reports an error for it (a latent sector error), or
 * the file was cut short under the mapping. The message names the file and the page.
 *
 * <p>On a memory-mapped file such an error arrives as {@code SIGBUS}, which the JVM turns into an
 * {@link InternalError} ("a fault occurred in an unsafe memory access operation"). The pager
 * raises this exception instead wherever it reads or writes a page of its own: the superblock,
 * the metadata copies, free-space tree and structure nodes, pending list pages, and the pages a
 * snapshot copy reads. What it does then is in FORMAT.md, "Recovery". Pages handed to user code
 * ({@link MappedPage}) surface the JVM's {@code InternalError} as it is; see {@link MappedPage}.
 *
 * <p>Reopening does not help: the page stays unreadable until it is overwritten whole outside
 * the mapping, or the file is restored from a copy ({@link Snapshot#copyTo} copies only the pages
 * in use).
 */
public final class UnreadablePageException extends CorruptPageFileException {
  private static final long serialVersionUID = 1L;

  /** The index of the page that cannot be read; part of the serialized form. */
  private final long page;

  /**
   * Creates the exception.
   *
   * @param message what could not be read, naming the file and the page
   * @param page the index of the page that cannot be read
   * @param cause the failure underneath: the JVM's error for the failed access
   */
  public UnreadablePageException(String message, long page, Throwable cause) {
    super(message, cause);
    this.page = page;
  }

  /** The exception for a failed access to page {@code page} of {@code resource}, which should hold {@code what}. */
  static UnreadablePageException of(String resource, long page, String what, Throwable cause) {
    return new UnreadablePageException(
        resource + ": page " + page + " (" + what + ") cannot be read: the storage failed the access ("
            + cause.getMessage() + ")",
        page,
        cause);
  }

  /**
   * Returns the index of the page that cannot be read.
   *
   * @return the page index, counted from 0 at the start of the file
   */
  public long page() {
    return page;
  }
}
