package io.canarybalancer.balancer.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

/**
 * What tells one version of a file from the next without reading it: modification time, size and
 * file key (the inode on Linux), of the file a symbolic link points at. A renewal renamed into place
 * and a swapped symlink both bring another inode; an edit in place, another time or size.
 *
 * @param fileKey {@code null} where the file system has none
 */
record FileStamp(FileTime modified, long size, Object fileKey) {
    /** The file could not be read: when it comes back, that is a change. */
    static final FileStamp MISSING = new FileStamp(FileTime.fromMillis(0), -1, null);

    static FileStamp of(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return new FileStamp(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
        } catch (IOException | SecurityException e) {
            return MISSING;
        }
    }
}
