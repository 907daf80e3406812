package io.github.pager.cli;

import io.github.pager.core.NotAPageFileException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The check every command makes of the file it is to read, before it opens it.
 *
 * <p>Without it, a directory fails deep inside a read with the system's bare "Is a directory",
 * which names no path; a person who passed several paths cannot tell which one was wrong. Every
 * failure here names the path.
 */
final class InputFile {
  private InputFile() {}

  /**
   * Returns {@code file} when it is a regular file this process may read.
   *
   * @throws NoSuchFileException when nothing is there
   * @throws NotAPageFileException when it is a directory or another kind of non-regular file
   * @throws AccessDeniedException when it may not be read
   */
  static Path readable(Path file) throws IOException {
    if (!Files.exists(file)) {
      throw new NoSuchFileException(file.toString());
    }
    if (Files.isDirectory(file)) {
      throw new NotAPageFileException(file + " is a directory, not a page file");
    }
    if (!Files.isRegularFile(file)) {
      throw new NotAPageFileException(file + " is not a regular file, so not a page file");
    }
    if (!Files.isReadable(file)) {
      throw new AccessDeniedException(file.toString());
    }
    return file;
  }
}
