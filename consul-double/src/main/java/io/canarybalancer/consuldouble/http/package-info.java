/**
 * What a request and an answer are, shared by every other package: {@link
 * io.canarybalancer.consuldouble.http.RecordedRequest} (public: tests assert on it), {@code Reply} (status,
 * headers and bytes, built before Netty sees it), {@code ApiError} (Consul's plain-text errors) and
 * {@code GoDuration} (Go's duration syntax as the API reads and prints it). Depends on no other package of
 * the double.
 */
package io.canarybalancer.consuldouble.http;
