<#
.SYNOPSIS
  May this account publish now? A fail-closed can-publish check (PowerShell 7+).

.DESCRIPTION
  Exit code 0: allowed (a 200 whose body says "allowed": true). Exit code 1: do not post, for
  every other answer: refused, referred, a wrong key, a network error, a timeout, any status but
  200, a body that is not a decision. Exit code 2: the script was used wrongly.

.EXAMPLE
  $env:PURDAH_URL = "https://purdah.example.gov.uk"; $env:PURDAH_KEY = "..."
  ./CanPublish.ps1 -AccountId facebook-redruthtowncouncil -At 2029-04-10T12:00:00+01:00 -Category event
#>
param(
    [Parameter(Mandatory = $true)][string]$AccountId,
    [string]$At,
    [string]$Category = "general",
    [string]$BaseUrl = $env:PURDAH_URL,
    [string]$Key = $env:PURDAH_KEY,
    [int]$TimeoutSec = 5
)

if (-not $BaseUrl -or -not $Key) {
    Write-Error "Set PURDAH_URL and PURDAH_KEY (or pass -BaseUrl and -Key)."
    exit 2
}
if ($At -and $At -notmatch '(Z|[+-]\d{2}:\d{2})$') {
    Write-Error "-At must carry a UTC offset (e.g. +01:00 or Z): $At"
    exit 2
}

$query = "category=$([uri]::EscapeDataString($Category))"
if ($At) { $query += "&at=$([uri]::EscapeDataString($At))" }
$uri = "$($BaseUrl.TrimEnd('/'))/v1/accounts/$([uri]::EscapeDataString($AccountId))/can-publish?$query"

try {
    # -MaximumRedirection 0 and -SkipHttpErrorCheck: every status comes back here, to be refused
    # below unless it is 200; network errors and timeouts throw, and are refused in catch.
    $response = Invoke-WebRequest -Uri $uri -Headers @{ Authorization = "Bearer $Key" } `
        -TimeoutSec $TimeoutSec -MaximumRedirection 0 -SkipHttpErrorCheck -UseBasicParsing
    if ($response.StatusCode -ne 200) {
        Write-Output "do not post (status $($response.StatusCode))"
        exit 1
    }
    $decision = $response.Content | ConvertFrom-Json
    # Strictly a boolean true on one object: "true", 1 or [{"allowed": true}] is not an answer.
    $allowed = ($decision -isnot [array]) -and ($decision.allowed -is [bool]) -and $decision.allowed
    if (-not $allowed) {
        Write-Output "do not post ($($decision.outcome))"
        exit 1
    }
    Write-Output "allowed"
    exit 0
}
catch {
    Write-Output "do not post ($($_.Exception.GetType().Name): $($_.Exception.Message))"
    exit 1
}
