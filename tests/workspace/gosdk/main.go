// Command gosdk drives the local workspace through databricks-sdk-go v0.175.0, the SDK the
// Pulumi Databricks provider (terraform-provider-databricks v1.128.0) is built on, making the
// calls the provider's Job, Pipeline, QualityMonitor, Notebook, WorkspaceFile and Directory
// resources make. It prints one "ok <step>" line per step and exits 1 at the first mismatch.
//
// Usage: gosdk <host> <expected workspace id>
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"time"

	"github.com/databricks/databricks-sdk-go"
	"github.com/databricks/databricks-sdk-go/apierr"
	"github.com/databricks/databricks-sdk-go/service/catalog"
	"github.com/databricks/databricks-sdk-go/service/compute"
	"github.com/databricks/databricks-sdk-go/service/iam"
	"github.com/databricks/databricks-sdk-go/service/jobs"
	"github.com/databricks/databricks-sdk-go/service/pipelines"
	"github.com/databricks/databricks-sdk-go/service/workspace"
)

func fail(step string, format string, args ...any) {
	fmt.Printf("FAIL %s: %s\n", step, fmt.Sprintf(format, args...))
	os.Exit(1)
}

func check(step string, err error) {
	if err != nil {
		fail(step, "%v", err)
	}
}

// sameJSON compares two values by their JSON encoding, as the provider's diff effectively does.
func sameJSON(step string, want, got any) {
	a, err := json.Marshal(want)
	check(step, err)
	b, err := json.Marshal(got)
	check(step, err)
	var x, y any
	check(step, json.Unmarshal(a, &x))
	check(step, json.Unmarshal(b, &y))
	if !reflect.DeepEqual(x, y) {
		fail(step, "echo differs\nsent: %s\ngot:  %s", a, b)
	}
}

func missing(step string, err error) {
	if err == nil || !apierr.IsMissing(err) {
		fail(step, "expected a 'missing' error, got %v", err)
	}
}

func main() {
	host, wantID := os.Args[1], os.Args[2]
	ctx := context.Background()
	w, err := databricks.NewWorkspaceClient(&databricks.Config{
		Host:                host,
		Token:               "go-sdk-token",
		AuthType:            "pat",
		RetryTimeoutSeconds: 60,
		HTTPTimeoutSeconds:  30,
	})
	check("client", err)

	// Start-up: host metadata and SCIM Me agree on the workspace id.
	me, err := w.CurrentUser.Me(ctx, iam.MeRequest{})
	check("scim me", err)
	id, err := w.CurrentWorkspaceID(ctx)
	check("workspace id", err)
	if strconv.FormatInt(id, 10) != wantID {
		fail("workspace id", "got %d, want %s", id, wantID)
	}
	fmt.Println("ok identity", me.UserName, id)

	// Jobs, as jobs_api_go_sdk.go: Create (API 2.2), Get, Reset, RunNow + wait, Delete.
	create := jobs.CreateJob{
		Name:                 "go sdk job",
		MaxConcurrentRuns:    1,
		Format:               jobs.FormatMultiTask,
		Queue:                &jobs.QueueSettings{Enabled: false},
		EmailNotifications:   &jobs.JobEmailNotifications{},
		WebhookNotifications: &jobs.WebhookNotifications{},
		Schedule: &jobs.CronSchedule{
			QuartzCronExpression: "0 0 6 * * ?",
			TimezoneId:           "UTC",
			PauseStatus:          jobs.PauseStatusPaused,
		},
		Tags: map[string]string{"project": "olist"},
		JobClusters: []jobs.JobCluster{{
			JobClusterKey: "etl",
			NewCluster: &compute.ClusterSpec{
				SparkVersion:    "15.4.x-scala2.12",
				NodeTypeId:      "i3.xlarge",
				NumWorkers:      0,
				SparkConf:       map[string]string{"spark.databricks.cluster.profile": "singleNode"},
				ForceSendFields: []string{"NumWorkers"},
			},
		}},
		Tasks: []jobs.Task{
			{
				TaskKey:       "a_generate",
				JobClusterKey: "etl",
				NotebookTask:  &jobs.NotebookTask{NotebookPath: "/Shared/gen", BaseParameters: map[string]string{"x": "1"}},
				MaxRetries:    1,
				RunIf:         jobs.RunIfAllSuccess,
			},
			{
				TaskKey:      "b_pipeline",
				DependsOn:    []jobs.TaskDependency{{TaskKey: "a_generate"}},
				PipelineTask: &jobs.PipelineTask{PipelineId: "9f8d7c6b-5a4e-4d3c-8b2a-1f0e9d8c7b6a", FullRefresh: true},
			},
		},
	}
	created, err := w.Jobs.Create(ctx, create)
	check("jobs create", err)
	job, err := w.Jobs.Get(ctx, jobs.GetJobRequest{JobId: created.JobId})
	check("jobs get", err)
	if job.Settings == nil {
		fail("jobs get", "no settings")
	}
	var sent jobs.JobSettings
	raw, _ := json.Marshal(create)
	check("jobs echo", json.Unmarshal(raw, &sent))
	sameJSON("jobs echo", sent, *job.Settings)
	fmt.Println("ok jobs create/get", created.JobId)

	reset := *job.Settings
	reset.Name = "go sdk job (reset)"
	reset.Tasks = reset.Tasks[:1]
	check("jobs reset", w.Jobs.Reset(ctx, jobs.ResetJob{JobId: created.JobId, NewSettings: reset}))
	job, err = w.Jobs.Get(ctx, jobs.GetJobRequest{JobId: created.JobId})
	check("jobs get after reset", err)
	sameJSON("jobs reset echo", reset, *job.Settings)
	fmt.Println("ok jobs reset")

	wait, err := w.Jobs.RunNow(ctx, jobs.RunNow{JobId: created.JobId})
	check("run now", err)
	run, err := wait.GetWithTimeout(time.Minute)
	check("run wait", err)
	if run.State.ResultState != jobs.RunResultStateSuccess {
		fail("run wait", "result %s", run.State.ResultState)
	}
	active, err := w.Jobs.ListRunsAll(ctx, jobs.ListRunsRequest{JobId: created.JobId, ActiveOnly: true})
	check("runs list", err)
	if len(active) != 0 {
		fail("runs list", "%d active runs after the run ended", len(active))
	}
	fmt.Println("ok jobs run", run.RunId)

	check("jobs delete", w.Jobs.DeleteByJobId(ctx, created.JobId))
	_, err = w.Jobs.Get(ctx, jobs.GetJobRequest{JobId: created.JobId})
	missing("jobs get after delete", err)
	fmt.Println("ok jobs delete")

	// Pipelines, as resource_pipeline.go: Create, Get (wait), Update, Delete, Get -> missing.
	pc := pipelines.CreatePipeline{
		Name:          "go sdk pipeline",
		Catalog:       "main",
		Schema:        "olist",
		Channel:       "CURRENT",
		Edition:       "ADVANCED",
		Development:   true,
		Serverless:    true,
		Configuration: map[string]string{"k": "v"},
		Libraries:     []pipelines.PipelineLibrary{{File: &pipelines.FileLibrary{Path: "/Shared/p.py"}}},
		Tags:          map[string]string{"project": "olist"},
	}
	pcreated, err := w.Pipelines.Create(ctx, pc)
	check("pipelines create", err)
	p, err := w.Pipelines.Get(ctx, pipelines.GetPipelineRequest{PipelineId: pcreated.PipelineId})
	check("pipelines get", err)
	if p.Spec == nil || p.State != pipelines.PipelineStateIdle {
		fail("pipelines get", "spec %v state %s", p.Spec, p.State)
	}
	if p.Spec.Id != pcreated.PipelineId || p.Spec.Name != pc.Name || !p.Spec.Development ||
		p.Spec.Libraries[0].File.Path != "/Shared/p.py" || p.Spec.Configuration["k"] != "v" {
		fail("pipelines echo", "%+v", *p.Spec)
	}
	edit := pipelines.EditPipeline{
		PipelineId: pcreated.PipelineId, Name: pc.Name, Catalog: "main", Schema: "olist2",
		Continuous: true, Libraries: pc.Libraries,
	}
	check("pipelines update", w.Pipelines.Update(ctx, edit))
	p, err = w.Pipelines.Get(ctx, pipelines.GetPipelineRequest{PipelineId: pcreated.PipelineId})
	check("pipelines get after update", err)
	if p.Spec.Schema != "olist2" || p.State != pipelines.PipelineStateRunning {
		fail("pipelines update", "schema %s state %s", p.Spec.Schema, p.State)
	}
	check("pipelines delete", w.Pipelines.Delete(ctx, pipelines.DeletePipelineRequest{PipelineId: pcreated.PipelineId}))
	_, err = w.Pipelines.Get(ctx, pipelines.GetPipelineRequest{PipelineId: pcreated.PipelineId})
	missing("pipelines get after delete", err)
	fmt.Println("ok pipelines", pcreated.PipelineId)

	// Quality monitors, as resource_quality_monitor.go.
	table := "main.gold.fact_booking_daily"
	mc := catalog.CreateMonitor{
		TableName:        table,
		AssetsDir:        "/Workspace/Shared/monitoring/fact_booking_daily",
		OutputSchemaName: "main.monitoring",
		Snapshot:         &catalog.MonitorSnapshot{},
		SlicingExprs:     []string{"country"},
		CustomMetrics: []catalog.MonitorMetric{{
			Type: catalog.MonitorMetricTypeCustomMetricTypeAggregate, Name: "n",
			InputColumns: []string{":table"}, Definition: "COUNT(*)", OutputDataType: "bigint",
		}},
		Schedule:    &catalog.MonitorCronSchedule{QuartzCronExpression: "0 0 8 * * ?", TimezoneId: "UTC"},
		WarehouseId: "4b9b953939869799",
	}
	_, err = w.QualityMonitors.Create(ctx, mc)
	check("monitors create", err)
	info, err := w.QualityMonitors.Get(ctx, catalog.GetQualityMonitorRequest{TableName: table})
	check("monitors get", err)
	if info.Status != catalog.MonitorInfoStatusMonitorStatusActive || info.Snapshot == nil ||
		info.TableName != table || info.Schedule.PauseStatus != catalog.MonitorCronSchedulePauseStatusUnpaused ||
		info.ProfileMetricsTableName == "" || info.DashboardId == "" {
		fail("monitors get", "%+v", *info)
	}
	mu := catalog.UpdateMonitor{
		TableName: table, OutputSchemaName: "main.monitoring", Snapshot: &catalog.MonitorSnapshot{},
		SlicingExprs: []string{"country", "city"}, Schedule: &catalog.MonitorCronSchedule{
			QuartzCronExpression: "0 0 9 * * ?", TimezoneId: "UTC"},
	}
	_, err = w.QualityMonitors.Update(ctx, mu)
	check("monitors update", err)
	info, err = w.QualityMonitors.Get(ctx, catalog.GetQualityMonitorRequest{TableName: table})
	check("monitors get after update", err)
	if len(info.SlicingExprs) != 2 || info.MonitorVersion != 2 {
		fail("monitors update", "%+v", *info)
	}
	_, err = w.QualityMonitors.Delete(ctx, catalog.DeleteQualityMonitorRequest{TableName: table})
	check("monitors delete", err)
	_, err = w.QualityMonitors.Get(ctx, catalog.GetQualityMonitorRequest{TableName: table})
	missing("monitors get after delete", err)
	fmt.Println("ok monitors")

	// Workspace files, as resource_workspace_file.go: multipart upload, RAW, overwrite.
	file := "/Shared/lakeform/sql/checks.sql"
	content := []byte("SELECT 1;\n")
	upload := func(i *workspace.Import) {
		i.Format = "RAW"
		i.Overwrite = true
		i.ForceSendFields = []string{"Content"}
	}
	err = w.Workspace.Upload(ctx, file, bytes.NewReader(content), upload)
	if err == nil {
		fail("upload into a missing folder", "succeeded")
	}
	_, errStatus := w.Workspace.GetStatusByPath(ctx, "/Shared/lakeform/sql")
	missing("get-status of the missing parent", errStatus)
	check("mkdirs", w.Workspace.MkdirsByPath(ctx, "/Shared/lakeform/sql"))
	check("upload", w.Workspace.Upload(ctx, file, bytes.NewReader(content), upload))
	check("upload again", w.Workspace.Upload(ctx, file, bytes.NewReader(content), upload))
	status, err := w.Workspace.GetStatusByPath(ctx, file)
	check("get-status file", err)
	if status.ObjectType != workspace.ObjectTypeFile || status.Size != int64(len(content)) || status.Path != file {
		fail("get-status file", "%+v", *status)
	}
	body, err := w.Workspace.Download(ctx, file)
	check("download", err)
	got, _ := io.ReadAll(body)
	if !bytes.Equal(got, content) {
		fail("download", "got %q", got)
	}
	fmt.Println("ok workspace file")

	// Notebooks: the provider's own JSON import (base64, SOURCE, language, overwrite).
	nb := "/Shared/lakeform/etl"
	check("import notebook", w.Workspace.Import(ctx, workspace.Import{
		Path: nb, Format: workspace.ImportFormatSource, Language: workspace.LanguagePython,
		Overwrite: true, Content: base64.StdEncoding.EncodeToString([]byte("print(1)\n")),
	}))
	status, err = w.Workspace.GetStatusByPath(ctx, nb)
	check("get-status notebook", err)
	if status.ObjectType != workspace.ObjectTypeNotebook || status.Language != workspace.LanguagePython {
		fail("get-status notebook", "%+v", *status)
	}
	objects, err := w.Workspace.ListAll(ctx, workspace.ListWorkspaceRequest{Path: "/Shared/lakeform"})
	check("list", err)
	if len(objects) != 2 {
		fail("list", "%d objects", len(objects))
	}
	fmt.Println("ok notebook")

	// Directories: delete recursive, then the directory is missing.
	status, err = w.Workspace.GetStatusByPath(ctx, "/Shared/lakeform")
	check("get-status directory", err)
	if status.ObjectType != workspace.ObjectTypeDirectory {
		fail("get-status directory", "%+v", *status)
	}
	check("delete directory", w.Workspace.Delete(ctx, workspace.Delete{Path: "/Shared/lakeform", Recursive: true}))
	_, err = w.Workspace.GetStatusByPath(ctx, nb)
	missing("get-status after delete", err)
	fmt.Println("ok directory")
	fmt.Println("ok all")
}
