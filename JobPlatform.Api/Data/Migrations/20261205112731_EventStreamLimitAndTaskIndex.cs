using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace JobPlatform.Api.Data.Migrations
{
    /// <inheritdoc />
    public partial class EventStreamLimitAndTaskIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "max_event_streams",
                table: "tenants",
                type: "integer",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_tasks_tenant_id_status",
                table: "tasks",
                columns: new[] { "tenant_id", "status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_tasks_tenant_id_status",
                table: "tasks");

            migrationBuilder.DropColumn(
                name: "max_event_streams",
                table: "tenants");
        }
    }
}
