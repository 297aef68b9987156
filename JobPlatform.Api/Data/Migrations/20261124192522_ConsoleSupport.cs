using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JobPlatform.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class ConsoleSupport : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "workers",
                columns: table => new
                {
                    id = table.Column<string>(type: "text", nullable: false),
                    host = table.Column<string>(type: "text", nullable: false),
                    process_id = table.Column<int>(type: "integer", nullable: false),
                    slots = table.Column<int>(type: "integer", nullable: false),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    last_heartbeat_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    completed_last_minute = table.Column<int>(type: "integer", nullable: false),
                    stopped_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_workers", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_tasks_failures",
                table: "tasks",
                columns: new[] { "tenant_id", "finished_at" },
                filter: "status IN ('failed', 'dead_lettered')");

            migrationBuilder.CreateIndex(
                name: "ix_tasks_running_worker",
                table: "tasks",
                column: "worker_id",
                filter: "status = 'running'");

            migrationBuilder.CreateIndex(
                name: "ix_workers_last_heartbeat_at",
                table: "workers",
                column: "last_heartbeat_at");

            // Live updates for the console: every change of a job, and every task status change, is
            // announced on one channel with the job's id as payload. PostgreSQL delivers a payload
            // once per transaction however often it is sent, so a bulk change is one notification.
            // Triggers, rather than calls in each transition, so no writer can forget one.
            migrationBuilder.Sql("""
                CREATE FUNCTION notify_job_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('jobplatform_events', NEW.id::text);
                    RETURN NULL;
                END $$;

                CREATE TRIGGER jobs_notify_changed AFTER INSERT OR UPDATE ON jobs
                    FOR EACH ROW EXECUTE FUNCTION notify_job_changed();

                CREATE FUNCTION notify_task_status_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    -- One statement may touch thousands of tasks (a cancel, the outbox relay): compare
                    -- the transition tables once, and skip lease-only updates such as heartbeats.
                    PERFORM pg_notify('jobplatform_events', changed.job_id::text)
                    FROM (SELECT DISTINCT n.job_id FROM new_rows n JOIN old_rows o ON o.id = n.id
                          WHERE o.status IS DISTINCT FROM n.status) changed;
                    RETURN NULL;
                END $$;

                CREATE TRIGGER tasks_notify_status_changed AFTER UPDATE ON tasks
                    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
                    FOR EACH STATEMENT EXECUTE FUNCTION notify_task_status_changed();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER tasks_notify_status_changed ON tasks;
                DROP FUNCTION notify_task_status_changed();
                DROP TRIGGER jobs_notify_changed ON jobs;
                DROP FUNCTION notify_job_changed();
                """);

            migrationBuilder.DropTable(
                name: "workers");

            migrationBuilder.DropIndex(
                name: "ix_tasks_failures",
                table: "tasks");

            migrationBuilder.DropIndex(
                name: "ix_tasks_running_worker",
                table: "tasks");
        }
    }
}
