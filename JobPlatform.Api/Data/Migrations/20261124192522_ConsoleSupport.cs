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

            // Live updates for the console: a job's insertion and every change of its status are
            // announced on one channel with the job's id as payload, on whichever Api replica made
            // them. Only status changes: a NOTIFY takes a database-wide lock at commit, so the hot
            // path (claims, reports, counters) must not send one; JobEventBroadcaster polls the
            // progress of the jobs someone watches instead.
            migrationBuilder.Sql("""
                CREATE FUNCTION notify_job_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    PERFORM pg_notify('jobplatform_events', NEW.id::text);
                    RETURN NULL;
                END $$;

                CREATE TRIGGER jobs_notify_inserted AFTER INSERT ON jobs
                    FOR EACH ROW EXECUTE FUNCTION notify_job_changed();

                CREATE TRIGGER jobs_notify_status_changed AFTER UPDATE OF status ON jobs
                    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status) EXECUTE FUNCTION notify_job_changed();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP TRIGGER jobs_notify_status_changed ON jobs;
                DROP TRIGGER jobs_notify_inserted ON jobs;
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
