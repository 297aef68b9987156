using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JobPlatform.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class FairSharing : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<short>(
                name: "priority",
                table: "outbox_messages",
                type: "smallint",
                nullable: false,
                defaultValue: (short)0);

            migrationBuilder.AddColumn<string>(
                name: "tenant_id",
                table: "outbox_messages",
                type: "text",
                nullable: false,
                defaultValue: "");

            migrationBuilder.AddColumn<short>(
                name: "priority",
                table: "jobs",
                type: "smallint",
                nullable: false,
                defaultValue: (short)2);

            // Rows waiting from before: their job's tenant and priority.
            migrationBuilder.Sql("UPDATE outbox_messages o SET tenant_id = j.tenant_id, priority = j.priority FROM jobs j WHERE j.id = o.job_id;");

            migrationBuilder.CreateIndex(
                name: "ix_tasks_in_flight",
                table: "tasks",
                column: "tenant_id",
                filter: "status IN ('enqueued', 'running', 'retrying')");

            migrationBuilder.CreateIndex(
                name: "ix_outbox_messages_tenant_id_priority_id",
                table: "outbox_messages",
                columns: new[] { "tenant_id", "priority", "id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_tasks_in_flight",
                table: "tasks");

            migrationBuilder.DropIndex(
                name: "ix_outbox_messages_tenant_id_priority_id",
                table: "outbox_messages");

            migrationBuilder.DropColumn(
                name: "priority",
                table: "outbox_messages");

            migrationBuilder.DropColumn(
                name: "tenant_id",
                table: "outbox_messages");

            migrationBuilder.DropColumn(
                name: "priority",
                table: "jobs");
        }
    }
}
