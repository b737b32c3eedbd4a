package io.canarybalancer.balancer.tls;

import java.nio.file.Path;

/** A certificate pair that cannot be served: the file at fault and why, in words for the operator. */
public final class CertificateLoadException extends Exception {
    private final Path file;
    private final boolean keyFile;

    CertificateLoadException(Path file, boolean keyFile, String reason) {
        this(file, keyFile, reason, null);
    }

    CertificateLoadException(Path file, boolean keyFile, String reason, Throwable cause) {
        super(reason, cause);
        this.file = file;
        this.keyFile = keyFile;
    }

    /** The file at fault (the certificate's when the pair as a whole does not fit). */
    public Path file() {
        return file;
    }

    /** The key file is at fault, not the certificate file. */
    public boolean keyFile() {
        return keyFile;
    }

    /** {@code FILE: reason}. */
    public String describe() {
        return file + ": " + getMessage();
    }
}
