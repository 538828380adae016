# Offline stand-in for the official postgres:15-bookworm, and for pgvector/pgvector:0.8.2-pg17 (Aria's) with
# BASE=debian:trixie-slim PG_MAJOR=17 EXTRA_PACKAGES=postgresql-17-pgvector (built by ../docker-offline-base.sh).
# Debian's own postgresql-$PG_MAJOR instead of the PGDG build, laid out like the official image:
#   - user/group postgres 999:999, PATH has /usr/lib/postgresql/$PG_MAJOR/bin
#   - PGDATA=/var/lib/postgresql/data (a VOLUME), /docker-entrypoint-initdb.d
#   - no "main" cluster created by postgresql-common
#   - /usr/share/postgresql/postgresql.conf.sample is the sample initdb uses (the versioned
#     path is a symlink to it) and has listen_addresses = '*'
#   - entrypoint honouring POSTGRES_USER / POSTGRES_PASSWORD / POSTGRES_DB /
#     POSTGRES_INITDB_ARGS / POSTGRES_HOST_AUTH_METHOD; CMD ["postgres"], STOPSIGNAL SIGINT
# Not for use on machines that can pull the real image.
ARG BASE=debian:bookworm-slim
FROM ${BASE}

ARG PG_MAJOR=15
ARG EXTRA_PACKAGES=
ENV PG_MAJOR=${PG_MAJOR}
ENV PATH=$PATH:/usr/lib/postgresql/${PG_MAJOR}/bin
ENV PGDATA=/var/lib/postgresql/data
ENV LANG=C.UTF-8

RUN set -eux; \
    groupadd -r postgres --gid=999; \
    useradd -r -g postgres --uid=999 --home-dir=/var/lib/postgresql --shell=/bin/bash postgres; \
    mkdir -p /var/lib/postgresql; chown -R postgres:postgres /var/lib/postgresql; \
    apt-get update; \
    apt-get install -y --no-install-recommends postgresql-common; \
    sed -ri 's/#(create_main_cluster) .*$/\1 = false/' /etc/postgresql-common/createcluster.conf; \
    apt-get install -y --no-install-recommends "postgresql-${PG_MAJOR}" ${EXTRA_PACKAGES}; \
    rm -rf /var/lib/apt/lists/*; \
    dpkg-divert --add --rename --divert /usr/share/postgresql/postgresql.conf.sample.dpkg \
      "/usr/share/postgresql/${PG_MAJOR}/postgresql.conf.sample"; \
    cp -v /usr/share/postgresql/postgresql.conf.sample.dpkg /usr/share/postgresql/postgresql.conf.sample; \
    ln -sv ../postgresql.conf.sample "/usr/share/postgresql/${PG_MAJOR}/"; \
    sed -ri "s!^#?(listen_addresses)\s*=\s*\S+.*!\1 = '*'!" /usr/share/postgresql/postgresql.conf.sample; \
    grep -F "listen_addresses = '*'" /usr/share/postgresql/postgresql.conf.sample; \
    mkdir -p /var/run/postgresql /docker-entrypoint-initdb.d "$PGDATA"; \
    chown -R postgres:postgres /var/run/postgresql "$PGDATA"; \
    chmod 3777 /var/run/postgresql; chmod 1777 "$PGDATA"; \
    postgres --version

VOLUME /var/lib/postgresql/data

COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
