-- One server, one database per part: each part owns its tables and its migrations
-- (the gateway's `jobs` via Prisma, the service's `job_results` via Alembic).
CREATE DATABASE gateway;
CREATE DATABASE service;
