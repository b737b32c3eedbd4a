# syntax=docker/dockerfile:1
# One build, three images. docker-compose.yml builds the targets balancer, message-service and
# credit-service from this file; the build stage is shared, so Maven runs once.
#
#   docker build --target balancer -t canary-balancer .
#
# The build stage runs the same command as bin/demo (mvn package of the three modules and the modules
# they depend on), so each image carries exactly the jar that mvn package makes on your machine.

FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
# The whole reactor: Maven reads every module's pom even when it builds a few (.dockerignore keeps
# target/ and data/ out).
COPY . .
# The local repository is a build cache, kept between builds and never part of an image; locked, in
# case two targets' builds reach this step at once.
RUN --mount=type=cache,target=/root/.m2,sharing=locked \
    mvn -B -q -pl balancer,message-service,credit-service -am package -DskipTests

FROM eclipse-temurin:17-jre AS runtime
# curl for the health checks in docker-compose.yml; the JRE image does not promise one.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /app app
WORKDIR /app
# Ten or more JVMs share one machine in the compose stack: keep each heap modest.
ENV JAVA_TOOL_OPTIONS="-Xmx256m"

FROM runtime AS balancer
# The README's recommended flags (Running in production: JVM flags): the proxy needs a small heap,
# and Serial, which the JVM picks only when it sees one CPU, takes 35-40 MiB less than G1 at no cost in p99.
ENV JAVA_TOOL_OPTIONS="-Xmx128m -XX:+UseSerialGC"
COPY --from=build /src/balancer/target/balancer.jar /app/balancer.jar
COPY config/balancer.yml /app/config/balancer.yml
USER app
EXPOSE 48151 48152
ENTRYPOINT ["java", "-jar", "/app/balancer.jar"]
CMD ["--config", "/app/config/balancer.yml"]

FROM runtime AS message-service
COPY --from=build /src/message-service/target/message-service.jar /app/message-service.jar
COPY config/message-service.yml /app/config/message-service.yml
USER app
EXPOSE 8080 8081
ENTRYPOINT ["java", "-jar", "/app/message-service.jar"]
CMD ["server", "/app/config/message-service.yml"]

FROM runtime AS credit-service
COPY --from=build /src/credit-service/target/credit-service.jar /app/credit-service.jar
COPY config/credit-service.yml /app/config/credit-service.yml
USER app
EXPOSE 8090 8091
ENTRYPOINT ["java", "-jar", "/app/credit-service.jar"]
CMD ["server", "/app/config/credit-service.yml"]
