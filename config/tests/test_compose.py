"""docker-compose.yml cannot run here (no Docker engine): its structure is checked instead."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
INFRASTRUCTURE = {"postgres", "redis", "kafka"}


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def procfile_processes() -> list[str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    return [m.group(1) for line in lines if (m := re.match(r"^([\w-]+):", line))]


def test_every_process_of_make_up_is_a_compose_service(compose):
    processes = procfile_processes()
    assert {
        "web",
        "relay",
        "consume_analytics",
        "consume_plagiarism",
        "consume_notifications",
        "worker_checks",
        "worker_email",
        "beat",
    } <= set(processes)
    missing = set(processes) - set(compose["services"])
    assert not missing, f"Procfile processes missing from docker-compose.yml: {missing}"


def test_every_process_is_restarted_when_it_exits_as_under_make_up(compose):
    for name in procfile_processes():
        assert compose["services"][name]["restart"] == "unless-stopped", name


def test_the_celery_workers_serve_the_queues_of_the_procfile(compose):
    assert "--queues checks " in compose["services"]["worker_checks"]["command"]
    assert "--queues email,default " in compose["services"]["worker_email"]["command"]


def test_infrastructure_services_have_health_checks(compose):
    for name in INFRASTRUCTURE:
        assert compose["services"][name]["healthcheck"]["test"], name


def test_every_process_waits_for_healthy_infrastructure_and_migrations(compose):
    for name in procfile_processes():
        depends = compose["services"][name]["depends_on"]
        for infra in INFRASTRUCTURE:
            assert depends[infra]["condition"] == "service_healthy", (name, infra)
        assert depends["migrate"]["condition"] == "service_completed_successfully", name


def test_kafka_is_the_official_image_in_kraft_mode_with_two_listeners(compose):
    kafka = compose["services"]["kafka"]
    env = kafka["environment"]
    assert kafka["image"].startswith("apache/kafka:4.")
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert "ZOOKEEPER" not in " ".join(env)
    listeners = env["KAFKA_ADVERTISED_LISTENERS"]
    assert "INTERNAL://kafka:" in listeners and "EXTERNAL://127.0.0.1:9092" in listeners
    assert int(env["KAFKA_LOG_RETENTION_HOURS"]) == 7 * 24


def test_processes_reach_services_by_their_compose_names(compose):
    env = compose["services"]["web"]["environment"]
    assert "@postgres:5432/" in env["DATABASE_URL"]
    assert env["KAFKA_BOOTSTRAP_SERVERS"].startswith("kafka:")
    assert env["CELERY_BROKER_URL"].startswith("redis://redis:")
