-- One database per service, each owned by its own role. docker-compose.yml mounts this file into
-- the PostgreSQL image's /docker-entrypoint-initdb.d, which runs it once, on an empty data directory.
-- The services' DATABASE_URL, DATABASE_USER and DATABASE_PASSWORD in docker-compose.yml match it.
CREATE ROLE message LOGIN PASSWORD 'message';
CREATE DATABASE message OWNER message;

CREATE ROLE credit LOGIN PASSWORD 'credit';
CREATE DATABASE credit OWNER credit;
