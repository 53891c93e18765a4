{{/* Chart name, cut to the 63 characters Kubernetes allows in a name. */}}
{{- define "continuum-webhooks.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Full name: the release name, with the chart name unless the release already contains it. */}}
{{- define "continuum-webhooks.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "continuum-webhooks.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "continuum-webhooks.labels" -}}
helm.sh/chart: {{ include "continuum-webhooks.chart" . }}
{{ include "continuum-webhooks.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "continuum-webhooks.selectorLabels" -}}
app.kubernetes.io/name: {{ include "continuum-webhooks.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Selector labels of one role's pods; takes (list $ "api") or (list $ "worker"). */}}
{{- define "continuum-webhooks.componentSelectorLabels" -}}
{{ include "continuum-webhooks.selectorLabels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "continuum-webhooks.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "continuum-webhooks.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "continuum-webhooks.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* The Secret the processes read credentials from: one you manage, or the chart's. */}}
{{- define "continuum-webhooks.secretName" -}}
{{- default (include "continuum-webhooks.fullname" .) .Values.secrets.existingSecret }}
{{- end }}

{{/*
The ConfigMap's data: the settings with a home in values.yaml, then config as given. Shared by
the release's ConfigMap and the migration hook's copy, so both always hold the same.
*/}}
{{- define "continuum-webhooks.configData" -}}
TEMPORAL_ADDRESS: {{ required "temporal.address is required: host:port of the Temporal frontend, e.g. temporal-frontend.temporal:7233" .Values.temporal.address | quote }}
TEMPORAL_NAMESPACE: {{ .Values.temporal.namespace | quote }}
TEMPORAL_TASK_QUEUE: {{ .Values.temporal.taskQueue | quote }}
PORT: {{ .Values.api.port | quote }}
{{- with .Values.temporal.uiUrl }}
CONTINUUM_TEMPORAL_UI_URL: {{ . | quote }}
{{- end }}
{{- range $name, $value := .Values.config }}
{{ $name }}: {{ $value | toString | quote }}
{{- end }}
{{- end }}

{{/* The chart's Secret's data (base64), when no existingSecret is named. */}}
{{- define "continuum-webhooks.secretData" -}}
DATABASE_URL: {{ required "postgres.url is required (or secrets.existingSecret): a postgres:// connection string" .Values.postgres.url | b64enc | quote }}
CONTINUUM_SECRET_KEY: {{ required "secrets.secretKey is required (or secrets.existingSecret): openssl rand -base64 32" .Values.secrets.secretKey | b64enc | quote }}
{{- with .Values.secrets.bootstrapApiKey }}
CONTINUUM_BOOTSTRAP_API_KEY: {{ . | b64enc | quote }}
{{- end }}
{{- end }}

{{/*
Where every container running the app takes its environment from: a ConfigMap and a Secret.
Takes a dict: configName and secretName (the migration hook reads its own copies).
*/}}
{{- define "continuum-webhooks.envFrom" -}}
- configMapRef:
    name: {{ .configName }}
- secretRef:
    name: {{ .secretName }}
{{- end }}

{{/*
Pod-level settings every pod of the chart shares. No process talks to the Kubernetes API, so
no token is mounted. (Hook pods name no service account: the chart's is created after them.)
*/}}
{{- define "continuum-webhooks.podSecurity" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- end }}

{{/* checksum/config: pods restart when the ConfigMap or the chart's Secret changes. */}}
{{- define "continuum-webhooks.configChecksums" -}}
checksum/config: {{ include "continuum-webhooks.configData" . | sha256sum }}
{{- if not .Values.secrets.existingSecret }}
checksum/secret: {{ include "continuum-webhooks.secretData" . | sha256sum }}
{{- end }}
{{- end }}
