{{/* The chart name, overridable. */}}
{{- define "flink-guardian.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release-qualified name of every object. */}}
{{- define "flink-guardian.fullname" -}}
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

{{- define "flink-guardian.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "flink-guardian.selectorLabels" -}}
app.kubernetes.io/name: {{ include "flink-guardian.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "flink-guardian.labels" -}}
helm.sh/chart: {{ include "flink-guardian.chart" . }}
{{ include "flink-guardian.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: flink-guardian
{{- end }}

{{- define "flink-guardian.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "flink-guardian.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding config.yaml. */}}
{{- define "flink-guardian.configSecret" -}}
{{- default (printf "%s-config" (include "flink-guardian.fullname" .)) .Values.existingConfigSecret }}
{{- end }}

{{/* The Secret holding the webhook token (key `token`). */}}
{{- define "flink-guardian.tokenSecret" -}}
{{- default (printf "%s-webhook" (include "flink-guardian.fullname" .)) .Values.webhook.existingSecret }}
{{- end }}

{{/* The Secret holding web-config.yml. */}}
{{- define "flink-guardian.webConfigSecret" -}}
{{- default (printf "%s-web-config" (include "flink-guardian.fullname" .)) .Values.webConfig.existingSecret }}
{{- end }}

{{/* https when the web configuration serves TLS. */}}
{{- define "flink-guardian.scheme" -}}
{{- if and .Values.webConfig.enabled (hasKey .Values.webConfig.config "tls_server_config") }}https{{ else }}http{{ end }}
{{- end }}

{{- define "flink-guardian.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
