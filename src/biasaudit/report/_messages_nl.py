"""The Dutch messages of the report (``[output] language = "nl"``).

Written as a Dutch journalist or auditor would write them: "geselecteerd voor
onderzoek" for flagged, "onterecht onderzoek" for an unfounded investigation,
"fout-positiefpercentage" for the false positive rate, decimal commas and thousands
dots in every number. Keys and fields are those of the English catalogue
(:data:`biasaudit.report._messages.ENGLISH`); a test checks that both have every key
with the same fields.
"""

from __future__ import annotations

from collections.abc import Mapping

#: The Dutch messages, by key, in the order of the English catalogue.
DUTCH: Mapping[str, str] = {
    # ------------------------------------------------------------------ page
    "page.title": "Onderzoek naar ongelijke behandeling: {source}",
    "page.wording": (
        'Woordgebruik: "geselecteerd" betekent geselecteerd voor onderzoek; bij een '
        '"onterecht onderzoek" werd geen fraude gevonden.'
    ),
    "ledger.line": (
        "Gegevens: {source} ({kind}, gelezen met {engine}): {read} rijen gelezen, {analysed} "
        "geanalyseerd, {excluded} uitgesloten{checksum}. Geanalyseerd met biasaudit "
        "{version}{by}{when}."
    ),
    "ledger.checksum": "; SHA-256 {sha}",
    "ledger.server": "; {server}",
    "ledger.by": " door {author}",
    "ledger.when": " op {when}",
    "people.whose": "mensen met {name} {group}",
    "people.whose_missing": "mensen van wie {name} niet is vastgelegd",
    "people.and_whose": "en {name} {group}",
    "people.and_whose_missing": "en van wie {name} niet is vastgelegd",
    "people.whose_also": "met {name} {group}",
    "people.whose_also_missing": "van wie {name} niet is vastgelegd",
    "people.among": "{people} onder {others}",
    "group.missing": "niet vastgelegd",
    # ------------------------------------------------------------------ first screen
    "first.heading": "Wat het onderzoek vond",
    "first.how": (
        "De verschillen die de gegevens het sterkst ondersteunen: gekozen op hoe ver hun "
        "{level}-betrouwbaarheidsinterval van 'geen verschil' ligt na correctie voor de "
        "{tests} gemaakte vergelijkingen, niet op de grootste schatting."
    ),
    "first.none": (
        "Geen enkele groep werd duidelijk vaker of minder vaak geselecteerd of onterecht "
        "onderzocht dan haar referentiegroep: elk verschil valt binnen het toeval op "
        "{level}-niveau, na correctie voor de {tests} gemaakte vergelijkingen."
    ),
    "first.none_at_all": "Geen enkele groep kon met haar referentiegroep worden vergeleken.",
    "headline.selection_rate": "{G} werden {times} zo vaak geselecteerd voor onderzoek als {r}",
    "headline.false_discovery_rate": (
        "Onderzoeken naar {g} waren {times} zo vaak onterecht als onderzoeken naar {r}"
    ),
    "headline.false_positive_rate": (
        "Onschuldige {g} werden {times} zo vaak geselecteerd als onschuldige {r}"
    ),
    "headline.innocent_flag_rate": (
        "{G} kregen per persoon {times} zo veel onterechte onderzoeken als {r}"
    ),
    "tail.selection_rate": ": {a} {g} tegenover {b} {r}",
    "tail.false_discovery_rate": (
        ": bij {a} onderzoeken naar {g} werd niets gevonden, tegenover {b} onderzoeken naar {r}"
    ),
    "tail.false_positive_rate": (
        ": {a} onschuldige {g} werden geselecteerd, tegenover {b} onschuldige {r}"
    ),
    "tail.innocent_flag_rate": (
        ": bij {a} {g} werd onderzoek gedaan zonder dat er iets werd gevonden, tegenover {b} {r}"
    ),
    "headline.dataset": "{dataset}: {sentence}",
    "headline.ci": " ({level}-BI {low} tot {high}).",
    "headline.no_ci": ".",
    "headline.range": (
        " (een bandbreedte uit {source} over elke tabel die past bij de gepubliceerde "
        "cellen, geen betrouwbaarheidsinterval)."
    ),
    "headline.uncertain": (
        " Het interval bevat 1: de gegevens kunnen niet uitsluiten dat er geen verschil is."
    ),
    "headline.too_few": (
        "Er zijn te weinig {g} om te zeggen of zij op ‘{metric}’ verschillen van {r}{ci}"
    ),
    "times.one": "{x} keer",
    "times.between": "tussen {low} en {high} keer",
    "times.at_least": "minstens {x} keer",
    "frequency.one": "{count} van elke {base}",
    "frequency.range": "{low} tot {high} van elke {base}",
    "list.and": "{first} en {last}",
    "harm.estimated": "naar schatting {count}",
    "harm.between": "tussen {low} en {high}",
    "harm.bounds": (
        " (grenzen over elke tabel of invulling van de onbekende uitkomsten die de data "
        "toelaten, geen betrouwbaarheidsinterval)."
    ),
    "harm.amount": "bedrag",
    "metric.selection_rate.frequency": "van elke {per} {g} werden er {k} geselecteerd",
    "metric.false_discovery_rate.frequency": (
        "van elke {per} onderzoeken naar {g} leverden er {k} niets op"
    ),
    "metric.false_positive_rate.frequency": "van elke {per} onschuldige {g} werden er {k} geselecteerd",
    "metric.innocent_flag_rate.frequency": "van elke {per} {g} hadden er {k} een onterecht onderzoek",
    "metric.shortfall.frequency": "van elke {per} {g} werden er {k} gekozen",
    "metric.excess_flagged.harm": (
        "er werden {count} {g} meer geselecteerd dan wanneer zij in dezelfde mate als {r} "
        "waren geselecteerd"
    ),
    "metric.excess_unfounded_investigations.harm": (
        "{g} hadden {count} onterechte onderzoeken meer dan bij het aantal per persoon van {r}"
    ),
    "metric.excess_false_accusations.harm": (
        "er werden {count} onschuldige {g} meer geselecteerd dan bij het "
        "fout-positiefpercentage van {r}"
    ),
    "metric.shortfall.harm": (
        "er werden {count} {g} minder gekozen dan wanneer zij in dezelfde mate als {r} "
        "waren gekozen"
    ),
    "metric.excess_flagged_amount.harm": (
        "de geselecteerden onder {g} droegen {count} meer {amount} dan wanneer {g} het "
        "bedrag per persoon van {r} hadden gedragen"
    ),
    "metric.excess_unfounded_amount.harm": (
        "{g} droegen {count} meer {amount} in onterechte onderzoeken dan bij het bedrag per "
        "persoon van {r}"
    ),
    "metric.excess_false_accusation_amount.harm": (
        "de onschuldigen onder {g} droegen {count} meer {amount} dan bij het bedrag per "
        "onschuldige persoon van {r}"
    ),
    "metric.shortfall_amount.harm": (
        "{g} ontvingen {count} minder {amount} dan bij het bedrag per persoon van {r}"
    ),
    # ------------------------------------------------------------------ limits
    "limits.heading": "Wat de gegevens niet kunnen laten zien",
    "limits.full labels": "De uitkomst is van iedereen bekend: elk percentage is een getal.",
    "limits.selective labels": (
        "De uitkomst is alleen bekend van de mensen die zijn onderzocht. Hoe vaak "
        "onschuldige mensen werden geselecteerd (het fout-positiefpercentage) en hoeveel "
        "fraude werd gemist, is niet te meten: die worden getoond als grenzen in het "
        "slechtste en het beste geval."
    ),
    "limits.partial labels": (
        "De uitkomst is van een deel van de mensen bekend: percentages waarin de anderen "
        "meetellen, zijn grenzen in het slechtste en het beste geval."
    ),
    "limits.random audit sample": (
        "Foutpercentages zijn geschat uit een aselecte controlesteekproef; de aannames "
        "staan bij elke schatting."
    ),
    "limits.aggregated counts": (
        "Er was alleen een tabel met aantallen: percentages die op verborgen of afgeronde "
        "cellen rusten, zijn bandbreedtes."
    ),
    "limits.no outcomes": (
        "Er zijn geen uitkomsten bekend: alleen wie werd geselecteerd, is te laten zien."
    ),
    "limits.funnel": "Er waren alleen aantallen per fase: wie welke fase bereikte.",
    "limits.withheld": (
        "Cijfers die op minder dan {min_cell} mensen rusten, worden ter bescherming van de "
        "privacy niet getoond, voor {groups}."
    ),
    "limits.withheld_cells": "{n} cellen van de combinaties",
    "limits.and_more": "{n} andere groepen",
    "limits.off": "Onthullingsbeheersing stond uit: kleine aantallen kunnen zichtbaar zijn.",
    "limits.too_few": (
        "Bij {n} vergelijkingen zijn er te weinig mensen om te zeggen of de groep anders "
        "wordt behandeld."
    ),
    # ------------------------------------------------------------------ details
    "details.heading": "Details per groep",
    "details.intro": (
        "Elk kenmerk en elke combinatie opent met een klik. Daarin staan de hoofdmaten van "
        "elke groep, met één grafiek per maat; results.csv bevat elke maat, elk verschil en "
        "elke toets."
    ),
    "details.reference": "Elke groep wordt vergeleken met {reference}: {rule}.",
    "rule.largest": "de grootste groep",
    "rule.most_favourable": "de groep met de gunstigste waarde",
    "rule.named": "de referentiegroep uit de configuratie",
    "details.gist": "{count} groepen",
    "details.more": (
        "{n} andere vergelijkingen zijn niet duidelijk (hun interval bevat 1) of rusten op "
        "te weinig mensen: ze staan in de tabel."
    ),
    "details.at_top": "De grafiek voor ‘{metric}’ staat bovenaan het rapport.",
    "details.not_charted": (
        "Geen grafiek voor ‘{metric}’: de grenzen overlappen voor elke groep, dus er is "
        "geen verschil te laten zien; de grenzen staan in de tabel."
    ),
    "details.cells": (
        "{shown} van de {total} cellen worden getoond: die waarvan het "
        "betrouwbaarheidsinterval het verst van 1 ligt, naast de referentiecel. Elke cel "
        "staat in results.csv."
    ),
    "details.table": "{name}: hoofdmaten per groep",
    "details.table_cells": "{name}: hoofdmaten van de getoonde cellen",
    "col.group": "Groep",
    "col.measure": "Maat",
    "col.value": "Waarde",
    "col.ci": "{level}-BI",
    "col.of": "Van",
    "col.ratio": "Verhouding tot referentie",
    "col.ratio_ci": "{level}-BI van de verhouding",
    "col.p": "Gecorrigeerde p",
    "col.note": "Toelichting",
    "cell.range": "{low} tot {high}",
    "cell.suppressed": "onderdrukt",
    "cell.reference": "referentie",
    "cell.estimated": "geschat {count}",
    "p.small": "< 0,001",
    # ------------------------------------------------------------------ the measure charts
    "chart.ratio": "{ratio}× {reference}",
    "chart.ratio_ci": "{ratio}× ({low} tot {high})",
    "chart.ratio_range": "{low} tot {high}× (bandbreedte)",
    "chart.title_ratio": (
        "{metric}: {group} {ratio} keer zo hoog als {reference} ({level}-BI {low} tot {high})"
    ),
    "chart.title_range": (
        "{metric}: {group} tussen {low} en {high} keer zo hoog als {reference} (een bandbreedte)"
    ),
    "chart.title_spread": (
        "{metric} naar {attribute}: het hoogst voor {top} ({top_value}), het laagst voor "
        "{low} ({low_value})"
    ),
    "chart.title_one": "{metric} naar {attribute}: {value} voor {group}",
    "chart.title_ranges": "{metric} naar {attribute}: alleen bandbreedtes, geen waarden",
    "chart.title_none": "{metric} naar {attribute}: er is geen waarde te tonen",
    "chart.axis": "{metric}: {plain}",
    "chart.reference": "(referentie)",
    "chart.everyone": "iedereen: {value}",
    "chart.range_why_unknown": "uitkomsten onbekend",
    "chart.range_why_cells": "verborgen of afgeronde cellen",
    "chart.alt_point": "{group} {value} ({level} {low} tot {high}{counts})",
    "chart.alt_range": "{group} tussen {low} en {high} (een bandbreedte: {why})",
    "chart.alt_everyone": "; iedereen {value}",
    "chart.counts": ", {numerator} van {denominator}",
    # ------------------------------------------------------------------ funnel
    "funnel.headline": (
        "{G} bereikten {stage} {times} zo vaak als {r}: {a} {g} tegenover {b} {r}"
    ),
    "funnel.title": (
        "{share} van {group} bereikte {stage}, {ratio} keer het aandeel van {reference} "
        "({level}-BI {low} tot {high})"
    ),
    "funnel.title_none": (
        "Aandeel van elke groep naar {attribute} dat elke fase bereikt: geen duidelijk verschil"
    ),
    "funnel.table": "Trechter voor {name}",
    "funnel.exact": (
        "Aandelen en overgangen zijn exacte aantallen; de intervallen beschrijven de "
        "steekproefonzekerheid."
    ),
    "funnel.ranged": (
        "Sommige aantallen zijn onderdrukt of afgerond gepubliceerd ({how}): een aandeel of "
        "overgang die daarop rust, is de bandbreedte over elke trechter van hele getallen "
        "die past bij de gepubliceerde cellen (van / tot), zonder interval of toets; de "
        "andere rijen zijn exacte aantallen, met intervallen voor de steekproefonzekerheid."
    ),
    "fcol.group": "Groep",
    "fcol.stage": "Fase",
    "fcol.count": "Mensen",
    "fcol.share_lower_bound": "Aandeel van",
    "fcol.share_upper_bound": "Aandeel tot",
    "fcol.share": "Aandeel van de groep",
    "fcol.transition": "Uit de fase erboven",
    "fcol.share_ratio": "Verhouding van aandelen",
    "fcol.share_ratio_ci_low": "BI laag",
    "fcol.share_ratio_ci_high": "BI hoog",
    "fcol.note": "Toelichting",
    # ------------------------------------------------------------------ scores
    "scores.heading": "Risicoscores",
    "scores.intro": (
        "Hoe de {score} over de groepen is verdeeld: hoe vaak een groep bij de hoogste "
        "scores hoort (het hoogste deciel van iedereen begint bij {score} ≥ {top}), hoe goed "
        "de score voor elke groep overeenkomt met de waargenomen {outcome}, en hoe het "
        "verschil verandert met de drempel. {flagging} Gemaakt uit de gepubliceerde tabellen: "
        "cellen met te weinig mensen zijn leeg en niet getekend."
    ),
    "scores.flag_cutoff": "Het onderzoek selecteerde mensen met {score} ≥ {cutoff}.",
    "scores.flag_common": (
        "De selectie is niet uit de score afgeleid; de drempelgrafieken markeren {score} ≥ "
        "{cutoff}, waarbij ongeveer evenveel mensen worden geselecteerd als er geselecteerd "
        "zijn."
    ),
    "scores.common_label": "selecteert ongeveer evenveel als het onderzoek selecteerde",
    "scores.attribute": "{name}: {score}",
    "scores.summary_caption": (
        "{score} naar {name}: verdeling, AUC (mensen met een bekende uitkomst) en "
        "kalibratieverschil (uitkomstpercentage min dat van de referentiegroep bij dezelfde "
        "score)"
    ),
    "scores.excess_caption": (
        "Aandeel van elke groep naar {name} op of boven elke grens, en het verschil met het "
        "aandeel van iedereen"
    ),
    "scores.what_if_heading": "Wat-als-drempels",
    "scores.what_if": (
        "Voor elke groep de drempel waarbij haar percentage het dichtst komt bij het "
        "percentage van iedereen bij de gemeenschappelijke drempel. Dit is een analyse van "
        "hoe ongelijk de score is, geen aanbeveling: drempels per groep zouden mensen zelf "
        "anders behandelen naar een beschermd kenmerk."
    ),
    "scores.what_if_caption": "Wat-als-drempels (analyse, geen aanbeveling)",
    "scol.group": "Groep",
    "scol.people": "Mensen",
    "scol.mean": "Gemiddelde score",
    "scol.median": "Mediaan",
    "scol.prob_higher": "Kans op een hogere score dan de referentie",
    "scol.auc": "AUC",
    "scol.auc_ci_low": "AUC BI laag",
    "scol.auc_ci_high": "AUC BI hoog",
    "scol.gap": "Kalibratieverschil (punten)",
    "scol.gap_ci_low": "Verschil BI laag",
    "scol.gap_ci_high": "Verschil BI hoog",
    "scol.cut": "Grens",
    "scol.above": "Op of boven",
    "scol.share": "Aandeel",
    "scol.share_ci_low": "BI laag",
    "scol.share_ci_high": "BI hoog",
    "scol.excess_ci_low": "BI laag",
    "scol.excess_ci_high": "BI hoog",
    "scol.odds_ratio_ci_low": "BI laag",
    "scol.odds_ratio_ci_high": "BI hoog",
    "scol.relative_risk_ci_low": "BI laag",
    "scol.relative_risk_ci_high": "BI hoog",
    "scol.marginal_relative_risk_ci_low": "BI laag",
    "scol.marginal_relative_risk_ci_high": "BI hoog",
    "scol.overall_share": "Iedereen",
    "scol.excess": "Verschil (punten)",
    "scol.p_adjusted": "Gecorrigeerde p",
    "scol.attribute": "Kenmerk",
    "scol.metric": "Percentage",
    "scol.common_threshold": "Gemeenschappelijke drempel",
    "scol.rate_at_common": "Percentage bij gemeenschappelijke drempel",
    "scol.target": "Percentage van iedereen",
    "scol.threshold_needed": "Drempel voor dat percentage",
    "scol.rate_at_needed": "Percentage daar",
    "scol.note": "Toelichting",
    "scol.term": "Term",
    "scol.reference_level": "Referentie",
    "scol.coefficient": "Coëfficiënt",
    "scol.std_error": "SE",
    "scol.odds_ratio": "Oddsratio",
    "scol.relative_risk": "Relatief risico bij het referentieprofiel",
    "scol.marginal_relative_risk": "Gestandaardiseerd relatief risico (iedereen)",
    "scol.p_value": "p",
    "scol.suppressed": "onderdrukt",
    "scol.covariate": "covariaat",
    # ------------------------------------------------------------------ adjusted
    "adjusted.heading": "Gecorrigeerd verschil",
    "adjusted.intro": (
        "Logistische regressie van {decision} op {groups} en {covariates}, geschat op {used} "
        "records ({left_out} weggelaten wegens een ontbrekende waarde). Een oddsratio "
        "vergelijkt de odds van een groep met die van haar referentieniveau bij dezelfde "
        "covariaten; een relatief risico is dezelfde vergelijking als verhouding van kansen, "
        "alleen bij de kans van het referentieprofiel ({baseline}). Het gestandaardiseerde "
        "relatieve risico vergelijkt de gemiddelde kans volgens het model over iedereen in "
        "de schatting, allen in de groep geplaatst, met hetzelfde gemiddelde met allen in het "
        "referentieniveau (interval volgens de deltamethode): de vergelijking voor de "
        "onderzochte mensen, meestal dichter bij 1. De covariaten gelden als legitieme "
        "redenen voor een verschil; waar een covariaat zelf ongelijke behandeling "
        "weerspiegelt, verbergt corrigeren ervoor een deel van het verschil."
    ),
    "adjusted.no_covariates": "geen covariaten",
    "adjusted.caption": "Regressie van {decision}",
    "adjusted.summary": "Regressie van {decision} op de beschermde kenmerken",
    # ------------------------------------------------------------------ dossier terms
    "shape.full labels": (
        "De uitkomst is van iedereen bekend: elk percentage is een getal, met zijn interval."
    ),
    "shape.selective labels": (
        "De uitkomst is alleen bekend van de mensen die zijn onderzocht (vooral de "
        "geselecteerden). Trefpercentages (precisie, aandeel onterechte onderzoeken) worden "
        "onder hen gemeten. Het fout-positiefpercentage, het fout-negatiefpercentage en het "
        "basispercentage gaan ook over mensen die niemand heeft onderzocht: die zijn niet "
        "identificeerbaar en worden getoond als grenzen in het slechtste en het beste geval."
    ),
    "shape.partial labels": (
        "De uitkomst is van een deel van de mensen bekend, geselecteerd of niet. "
        "Percentages waarin de anderen meetellen, worden getoond als grenzen in het "
        "slechtste en het beste geval."
    ),
    "shape.random audit sample": (
        "Een aselecte steekproef van iedereen met een score is onderzocht, ongeacht de "
        "score. Foutpercentages worden daaruit geschat voor de hele populatie, met "
        "bootstrapintervallen; de aannames staan bij elke schatting."
    ),
    "shape.aggregated counts": (
        "Er was alleen een tabel met aantallen per groep. Cellen die de bron heeft verborgen "
        "of afgerond, zijn intervallen, dus percentages die erop rusten zijn bandbreedtes "
        "over elke tabel die past bij de gepubliceerde cellen."
    ),
    "shape.no outcomes": "Er zijn geen uitkomsten bekend: alleen selectiepercentages zijn te tonen.",
    "shape.funnel": "Aantallen per groep in elke fase van het proces.",
    "interval.wilson": "Wilson-score",
    "interval.clopper-pearson": "exacte Clopper-Pearson",
    "interval.jeffreys": "Jeffreys",
    "correction.holm": "de methode van Holm",
    "correction.fdr_bh": "de false discovery rate van Benjamini-Hochberg",
    "correction.none": "geen correctie",
    # ------------------------------------------------------------------ dossier
    "dossier.heading": "Onderzoeksdossier",
    "dossier.intro": (
        "Voor toezichthouders en controleurs, in één afdrukbaar deel: de gegevens en de "
        "populatie, de uitkomsten en hun grenzen, de methoden, de toetsen en correcties, "
        "de onthullingsbeheersing, en de software en controlegetallen achter elk getal "
        "hierboven."
    ),
    "dossier.data": "Gegevens en rijenboekhouding",
    "dossier.source": "Gegevens: {name} ({kind}, gelezen met {engine})",
    "dossier.sha": "SHA-256 van de invoer: {sha}",
    "dossier.not_a_file": "geen bestand",
    "dossier.database": "Database: {version}",
    "dossier.server": "Server: {url}",
    "dossier.table": "Tabel: {table}",
    "dossier.query": "Query: {query}",
    "dossier.rows": "Rijen gelezen: {read}; geanalyseerd: {analysed}; uitgesloten: {excluded}",
    "dossier.excluded": "{count} rijen uitgesloten: {reason}",
    "dossier.note": "Opmerking: {note}",
    "dossier.population": "Populatie",
    "dossier.population_caption": "Mensen in elke groep",
    "dossier.people": "Mensen",
    "dossier.attribute": "Kenmerk",
    "dossier.labels": "Uitkomsten en hun grenzen",
    "dossier.shape": "Vorm van de gegevens: {shape}. {explained}",
    "dossier.flag_rule": "Selectieregel: {rule}.",
    "dossier.group_labels": "Namen van groepen in dit rapport: {labels}.",
    "dossier.can_show": "{metric}: {how}",
    "how.number": "een getal",
    "how.mixed": "een getal voor sommige groepen, grenzen of bandbreedtes voor andere",
    "how.ranged": "alleen grenzen of bandbreedtes",
    "how.none": "niet beschikbaar (niet gedefinieerd of onderdrukt)",
    "dossier.methods": "Methoden en begrippen",
    "dossier.methods_text": (
        "Percentages krijgen {interval}-intervallen; verhoudingen krijgen log-intervallen "
        "volgens Katz en verschillen intervallen volgens Newcombe; elke groep wordt getoetst "
        "tegen haar referentiegroep op de eigen noemer van de maat (exacte toets van Fisher "
        "of chikwadraattoets). Schattingen uit een aselecte controlesteekproef hebben "
        "bootstrapintervallen. TP, FP, FN en TN tellen mensen met een bekende uitkomst (TP: "
        "geselecteerd en fraude gevonden; FP: geselecteerd en niets gevonden; FN: niet "
        "geselecteerd maar fraude; TN: niet geselecteerd, geen fraude); n is iedereen in de "
        "groep, flagged iedereen die is geselecteerd, labelled iedereen met een bekende "
        "uitkomst. De band van 0,8 tot 1,25 in de grafieken is een referentie, geen oordeel."
    ),
    "dossier.glossary_caption": "Maten in dit rapport",
    "gcol.name": "Naam",
    "gcol.label": "Omschrijving",
    "gcol.formula": "Formule",
    "gcol.plain": "In gewone woorden",
    "dossier.tests": "Toetsen en correcties",
    "dossier.tests_text": (
        "{tests} toetsen van een groep tegen haar referentiegroep worden gepubliceerd, op "
        "{level}-niveau. Hun p-waarden zijn gecorrigeerd met {correction} over {family}. Een "
        "verschil heet duidelijk als de gecorrigeerde p-waarde onder {alpha} ligt en het "
        "interval 1 niet bevat; een groep die te klein is om volgens de poweranalyse haar "
        "eigen verhouding te kunnen aantonen, is te klein om iets te zeggen."
    ),
    "dossier.disclosure": "Onthullingsbeheersing",
    "dossier.disclosure_on": (
        "Aantallen van 1 tot en met {below} mensen worden niet gepubliceerd, net als elke rij "
        "waaruit zo'n aantal uit de andere kan worden berekend (aanvullende onderdrukking). "
        "{suppressed} rijen van de resultatentabel zijn onderdrukt; ze zijn leeg. {withheld}"
    ),
    "dossier.disclosure_off": (
        "Onthullingsbeheersing stond uit (min_cell = 0): kleine aantallen kunnen zichtbaar zijn."
    ),
    "dossier.software": "Software en controlegetallen",
    "dossier.versions": "Software: {versions}.",
    "dossier.config": "Configuratie: {config}",
    "dossier.reproduce": (
        "Dezelfde invoer en configuratie geven dezelfde getallen en bestanden; manifest.json "
        "bevat de configuratie zoals opgegeven en de SHA-256 van elk geschreven bestand."
    ),
    # ------------------------------------------------------------------ page extras
    "funnel.stage": "‘{stage}’",
    "dossier.family": "alleen de gepubliceerde toetsen (opnieuw gecorrigeerd na onderdrukking)",
    "glossary.the_group": "de groep",
    "date.months": "januari februari maart april mei juni juli augustus september oktober november december",
    "date.format": "{day} {month} {year}, {time} UTC",
    "shapename.full labels": "volledige uitkomsten",
    "shapename.selective labels": "selectieve uitkomsten",
    "shapename.partial labels": "gedeeltelijke uitkomsten",
    "shapename.random audit sample": "aselecte controlesteekproef",
    "shapename.aggregated counts": "geaggregeerde aantallen",
    "shapename.no outcomes": "geen uitkomsten",
    "shapename.funnel": "trechter",
    # ------------------------------------------------------------------ withheld rows
    "withheld.off": (
        "Er is niets achtergehouden: onthullingsbeheersing stond uit (min_cell = 0)."
    ),
    "withheld.nothing": (
        "Er is niets achtergehouden: geen aantal van 1 tot en met {below} mensen kon "
        "zichtbaar worden."
    ),
    "withheld.sentence": "Achtergehouden om mensen in kleine aantallen te beschermen: {parts}.",
    "withheld.part": "{what} ({why})",
    "withheld.every_row": "elke rij van {who}",
    "withheld.every_row_but": "elke rij van {who} behalve {kept}",
    "withheld.rates": "{rates} van {who}",
    "withheld.small": "een aantal van 1 tot en met {below} mensen",
    "withheld.reveal": "daaruit zou zo'n aantal te berekenen zijn",
    "withheld.everyone": "iedereen",
    "group.everyone_else": "alle anderen",
    "withheld.stage": "aantal in ‘{stage}’",
    "withheld.more": "{n} andere",
    "withheld.more_rates": "{n} andere percentages",
    "withheld.more_groups": "rijen van {n} andere groepen",
    # ------------------------------------------------------------------ score sentences
    "scores.of": "{share} van {people}",
    "scores.top_decile": (
        "Van de {who} had {share} een score in het hoogste deciel, tegenover {everyone} van "
        "iedereen ({points} procentpunt, {level}-BI {low} tot {high})."
    ),
    "cut.top": "hoogste deciel",
    "cut.audit": "score ≥ {cutoff} (de grens van het onderzoek)",
    # ------------------------------------------------------------------ regression sentences
    "adjusted.sentence": (
        "{who} hadden een {likely} kans dan {reference} op {decision} bij het "
        "referentieprofiel, waar {baseline} dat kreeg ({ci})"
    ),
    "adjusted.accounting": "Rekening houdend met {covariates}: {sentence}",
    "adjusted.standardised": (
        "; gemiddeld over iedereen in de gegevens (gestandaardiseerd) een {likely} kans ({ci})"
    ),
    "adjusted.more_likely": "{pct} grotere",
    "adjusted.less_likely": "{pct} kleinere",
    "adjusted.ci": "{level}-BI {low} tot {high}",
    # ------------------------------------------------------------------ notes of the tables
    "note.not_identifiable": (
        "niet identificeerbaar: uitkomst onbekend voor {n_flagged} geselecteerde en "
        "{n_unflagged} niet-geselecteerde mensen; de grenzen nemen aan dat niemand / "
        "iedereen van hen fraude pleegde"
    ),
    "note.among_known": (
        "onder de {n_known} geselecteerden met een bekende uitkomst; {n_unknown} "
        "geselecteerden hebben er geen: de grenzen gelden voor alle {n_flagged} "
        "geselecteerden, aangenomen dat niemand / iedereen van hen fraude pleegde"
    ),
    "note.outer_bounds": (
        " (buitengrenzen: de aannames gelden voor elke groep afzonderlijk, en een grens kan "
        "een invulling vragen die een groep van een ander kenmerk uitsluit)"
    ),
    "note.withheld": (
        "onderdrukt: een aantal van minder dan min_cell mensen, of een aantal waaruit zo'n "
        "aantal te herleiden is"
    ),
    "note.reference_withheld": (
        "vergelijking onderdrukt: de aantallen van de referentiegroep zijn onderdrukt"
    ),
    "note.group_withheld": "onderdrukt: een groep van dit kenmerk heeft onderdrukte aantallen",
    "note.undefined": "niet gedefinieerd: {cells} is 0 voor deze groep",
    "note.reference_zero": (
        "waarde van de referentiegroep is 0: verhouding niet gedefinieerd, zie het verschil"
    ),
    "note.published": "onderdrukt bij publicatie ({why})",
    "note.why_primary": "primair",
    "note.why_complementary": "aanvullend",
    "note.transition_undefined": (
        "overgang niet gedefinieerd: niemand in deze groep bereikte ‘{stage}’"
    ),
    "note.reference_share_zero": (
        "het aandeel van de referentiegroep in ‘{stage}’ is 0: verhouding niet gedefinieerd"
    ),
    "note.flagged_unknown": "van {n_people} geselecteerden is de uitkomst niet bekend",
    "note.unflagged_unknown": "van {n_people} niet-geselecteerden is de uitkomst niet bekend",
    "note.no_outcome": (
        "geen kolom met de uitkomst: alleen maten van de selectie zijn te berekenen"
    ),
    "note.no_investigated_sample": (
        "geen kolom 'onderzocht': de geselecteerden en de aselecte controlesteekproef gelden "
        "als onderzocht"
    ),
    "note.no_investigated": "geen kolom 'onderzocht': de geselecteerden gelden als onderzocht",
    "note.auc_known": "AUC en kalibratie gebruiken de mensen van wie de uitkomst bekend is",
    "note.auc_investigated": " (alleen de onderzochten: de anderen tellen niet mee)",
    "note.count_people": "de scoreanalyses tellen mensen, elke rij als haar aantal",
    "note.no_weights": " (steekproefgewichten worden niet toegepast)",
    "note.count_records": "de scoreanalyses tellen records (gewichten worden niet toegepast)",
    "note.what_if": (
        "de wat-als-tabel is een analyse van hoe ongelijk de score is, geen aanbeveling om "
        "drempels per groep te gebruiken"
    ),
    "note.score_primary": (
        "achtergehouden uit de scoretabellen: een aantal onder min_cell (onthullingsbeheersing)"
    ),
    "note.score_complementary": (
        "achtergehouden uit de scoretabellen: publicatie zou een aantal onder min_cell "
        "elders berekenbaar maken (aanvullende onthullingsbeheersing)"
    ),
    # ------------------------------------------------------------------ words inside charts
    "chart.level": "{level}-BI",
    "chart.points": "{points} procentpunt",
    "chart.na": "n.v.t.",
    "chart.not_identifiable": "niet identificeerbaar",
    "chart.the_reference_group": "de referentiegroep",
    "chart.ratio_axis": "{metric}: verhouding tot {reference} (logaritmische schaal)",
    "chart.ratio_to": "verhouding tot {reference}",
    "chart.same_as": "1 = gelijk aan {reference}",
    "chart.ratio_head": "verhouding ({level})",
    "chart.alt_reference": "{group} is de referentiegroep",
    "chart.alt_times": "{group} {times} keer",
    "chart.alt_times_ci": "{group} {times} keer ({level} {low} tot {high})",
    "chart.alt_times_range": "{group} tussen {low} en {high} keer (een bandbreedte)",
    "chart.no_upper": "geen bovengrens",
    "chart.side_range": "bandbreedte {low} tot {high}",
    "chart.cell_range": "bandbreedte\n{low} tot {high}",
    "chart.alt_band": " Gearceerd: de band van {band}.",
    "chart.alt_ratios": (
        "Verhouding van elke groep naar {attribute} tot {reference} op ‘{metric}’: {values}.{band}"
    ),
    "chart.ci": " ({level} {low} tot {high})",
    "chart.title_times": "{metric}: {group} {times} keer zo hoog als {reference}{ci}",
    "chart.title_times_range": (
        "{metric}: {group} tussen {low} en {high} keer zo hoog als {reference} (een "
        "bandbreedte, door verborgen of afgeronde cellen)"
    ),
    "chart.title_no_ratio": (
        "{metric} naar {attribute}: er is geen verhouding tot een referentiegroep te tonen"
    ),
    "chart.title_heatmap": (
        "{metric} naar {attribute}, als verhouding tot {reference}: het verst van 1 voor "
        "{group}, {times} keer{ci}"
    ),
    "chart.alt_heatmap": (
        "{title}. Verhouding van elke groep naar {attribute} tot {reference} op ‘{metric}’ "
        "({level} tussen haakjes): {values}."
    ),
    "chart.title_cells": (
        "{metric} naar {attribute}, de {shown} van de {total} cellen die het verst van "
        "{reference} af liggen: {finding}"
    ),
    "chart.alt_cells": (
        "{title}. De getoonde cellen zijn die waarvan het {level} het verst van 1 ligt; elke "
        "cel staat in results.csv. {values}"
    ),
    "chart.alt_measure": "{title}. {metric} naar {attribute} ({plain}): {values}",
    "chart.at_stage": "{group} in {stage}",
    "chart.funnel_axis": "aandeel van de groep dat de fase bereikt ({level})",
    "chart.stage": "fase",
    "chart.and_more": "en {n} andere",
    "chart.not_shown": "niet getoond (onderdrukt): {listed}",
    "chart.alt_funnel": (
        "{title}. Aandeel van elke groep naar {attribute} dat elke fase bereikt: {values}."
    ),
    "chart.percentiles": "{score}: 5e, 25e, 50e (markering), 75e en 95e percentiel",
    "chart.too_few": "te weinig mensen om te tonen: {groups}",
    "chart.title_median": (
        "Mediane {score} naar {attribute}: het hoogst voor {top} ({top_value}), het laagst "
        "voor {low} ({low_value})"
    ),
    "chart.alt_median": "{group}: mediaan {median}, middelste helft {low} tot {high}, {n} mensen",
    "chart.title_scores_none": "{score} naar {attribute}: elke groep is te klein om te tonen",
    "chart.alt_dataset": "Gegevensset {dataset}. {alt}",
    # ------------------------------------------------------------------ words inside score charts
    "score.everyone": "iedereen",
    "score.everyone_share": "iedereen {share}",
    "score.top": "hoogste deciel",
    "score.cutoff": "de grens van het onderzoek",
    "score.cut_title": "{cut} ({where}): {everyone}",
    "score.cut_alt": "{cut} ({where}, {everyone}): {values}",
    "score.ci_points": ", {level} {low} tot {high} procentpunt",
    "score.alt_excess": "{group} {share} ({points} procentpunt{ci})",
    "score.excess_axis": (
        "aandeel van de groep op of boven de grens min het aandeel van iedereen (procentpunt)"
    ),
    "score.not_drawn": "Niet getekend (onderdrukt): {groups}",
    "score.top_decile_of": "Hoogste deciel van {score}",
    "score.ci": ", {level} {low} tot {high}",
    "score.title_excess": (
        "{decile}: {share} van {group} tegenover {everyone} van iedereen ({points} "
        "procentpunt{ci})"
    ),
    "score.title_excess_none": "{decile} naar {attribute}: er is geen groep te tonen",
    "score.alt_excess_chart": (
        "{title}. Aandeel van elke groep naar {attribute} op of boven elke grens, en het "
        "verschil met het aandeel van iedereen in procentpunten: {values}."
    ),
    "score.alt_bin": "gemiddelde score {mean} {rate}",
    "score.ci_paren": " ({level} {low} tot {high})",
    "score.diagonal": "waargenomen percentage = score",
    "score.observed_axis": "waargenomen percentage {outcome}",
    "score.bins_not_drawn": "Klassen niet getekend (onderdrukt) voor {groups}",
    "score.bin_axis": "{score}: gemiddelde score van de klasse",
    "score.title_calibration": (
        "Waargenomen percentage {outcome} naar {score} en {attribute}: {groups} groepen, "
        "{bins} klassen getoond"
    ),
    "score.alt_calibration": (
        "{title}. Waargenomen percentage {outcome} per klasse van {score} voor elke groep "
        "naar {attribute}: {values}."
    ),
    "score.ci_points_paren": " ({level} {low} tot {high} procentpunt)",
    "score.title_gap_higher": (
        "Bij dezelfde {score} lag het waargenomen percentage {outcome} {points} procentpunt "
        "hoger voor {group} dan voor {reference}{ci}"
    ),
    "score.title_gap_lower": (
        "Bij dezelfde {score} lag het waargenomen percentage {outcome} {points} procentpunt "
        "lager voor {group} dan voor {reference}{ci}"
    ),
    "score.at": "{ratio} bij {threshold}",
    "score.ratio_axis": "verhouding tot {reference}\n(logaritmische schaal)",
    "score.ratio_title": "{metric}: verhouding tot {reference}",
    "score.alt_ratios": "{metric}, verhouding tot {reference}: {values}",
    "score.flagged_axis": "aandeel van iedereen dat wordt geselecteerd",
    "score.cutoff_label": "grens van het onderzoek: {score} ≥ {cutoff}",
    "score.marked": " De stippellijn markeert: {label}.",
    "score.not_drawn_bounds": (
        "Niet getekend waar onderdrukt of alleen grenzen bekend zijn: {groups}"
    ),
    "score.no_error_rate": "Geen foutpercentage is een getal bij twee of meer drempels",
    "score.threshold_axis": "drempel: selecteren als {score} ≥ drempel",
    "score.threshold_head": "Selectie naar drempel van {score} en {attribute}",
    "score.title_threshold": (
        "{head}: {group} {low} tot {high} keer zo vaak geselecteerd als {reference} over de "
        "drempels"
    ),
    "score.title_threshold_none": "{head}: er is geen verhouding tot een referentiegroep te tonen",
    "score.alt_threshold": "{title}.{marked} {values}.",
    "score.per_unit": "{variable} (per eenheid)",
    "score.term": "{variable} = {level}\n(t.o.v. {reference})",
    "score.rr": "Relatief risico",
    "score.log_axis": "{name} ({level}, logaritmische schaal)",
    "score.not_estimable": "niet te schatten",
    "score.alt_term": "{term}: oddsratio {odds}{ci}, relatief risico {rr}{rci}",
    "score.or_rr": "OR · RR",
    "score.same_odds": "1 = dezelfde odds / hetzelfde risico als het referentieniveau",
    "score.withheld_terms": "Niet getekend (achtergehouden door onthullingsbeheersing): {terms}",
    "score.not_estimable_terms": "Niet te schatten, niet getekend: {terms}",
    "score.alt_adjusted": (
        "{title}. Logistische regressie van {decision} op {groups} en covariaten, {records} "
        "records. {values}."
    ),
    "score.title_adjusted_none": "Gecorrigeerde odds op {decision}: er is geen groepsterm te tonen",
    "score.title_adjusted": (
        "Gecorrigeerde odds op {decision}: {variable} = {level} had {times} keer de odds van "
        "{variable} = {reference}{ci}"
    ),
    # ------------------------------------------------------------------ did it change?
    "change.heading": "Is er iets veranderd?",
    "change.intro": (
        "Perioden ({column}): {periods}. Elke periode wordt vergeleken met {versus}.{pooled} "
        "De verandering van een verschil is de verhouding tussen de verhoudingen tot de "
        "referentiegroep in de twee perioden (1: onveranderd; onder 1: het verschil is "
        "kleiner geworden), met een interval op logaritmische schaal (deltamethode) en een "
        "toets waarvan de p-waarden zijn gecorrigeerd over elke getoetste verandering "
        "({correction}). De verandering van een percentage zelf is het latere percentage "
        "min het eerdere, in procentpunten, met het interval van Newcombe. Getoetste maten: "
        "{tested}."
    ),
    "change.versus_previous": "de periode ervoor",
    "change.versus_first": "de eerste ({first})",
    "change.pooled": (
        " De tabellen hierboven tonen {pooled} en elke periode afzonderlijk; elke "
        "vergelijking van een groep met haar referentiegroep valt binnen één periode."
    ),
    "change.none_tested": "geen (er is geen verhouding die in twee perioden bestaat)",
    "change.untested": "Er kon geen verandering van een verschil worden getoetst.",
    "change.caption": (
        "Verandering tussen perioden voor {name} (percentages en verhoudingen tot de "
        "referentiegroep)"
    ),
    "change.sentence": "Voor {who} tegenover {reference} {moved}{ci}; {verdict}, gecorrigeerde p {p}.",
    "change.same": "was de verhouding van de {rates} {ratio} in zowel {a} als {b}",
    "change.fell": "daalde de verhouding van de {rates} van {before} ({a}) naar {after} ({b})",
    "change.rose": "steeg de verhouding van de {rates} van {before} ({a}) naar {after} ({b})",
    "change.ci": " (verhouding van verhoudingen {ratio}, {level} {low} tot {high})",
    "change.unlikely": "de verandering berust waarschijnlijk niet op toeval",
    "change.could": "de verandering kan op toeval berusten",
    "change.p": "= {p}",
    "change.p_small": "< 0,001",
    "change.plural_of": "percentage",
    "ccol.group": "Groep",
    "ccol.metric": "Maat",
    "ccol.period_from": "Van",
    "ccol.period_to": "Tot",
    "ccol.value_from": "Percentage toen",
    "ccol.value_to": "Percentage nu",
    "ccol.value_change": "Verandering (punten)",
    "ccol.value_change_ci_low": "BI laag",
    "ccol.value_change_ci_high": "BI hoog",
    "ccol.ratio_from": "Verhouding toen",
    "ccol.ratio_to": "Verhouding nu",
    "ccol.ratio_change": "Verhouding van verhoudingen",
    "ccol.ratio_change_ci_low": "BI laag",
    "ccol.ratio_change_ci_high": "BI hoog",
    "ccol.p_adjusted": "Gecorrigeerde p",
    "trend.y_axis": "verhouding tot {reference} (logaritmische schaal)",
    "trend.x_axis": "periode (strepen: {level})",
    "trend.in": "{ratio} in {period}",
    "trend.not_shown": "; niet getoond in {periods} (onderdrukt of niet gedefinieerd)",
    "trend.no_ratio": "geen verhouding getoond",
    "trend.alt": (
        "{title}. Verhouding van elke groep tot {reference} op ‘{metric}’, per periode "
        "({periods}): {values}."
    ),
    "trend.head": "{metric}, verhouding tot {reference} naar {attribute}, {first} tot {last}",
    "trend.none": "{head}: er is geen verandering te tonen",
    # ------------------------------------------------------------------ subgroups nobody named
    "discover.heading": "Subgroepen die niemand noemde",
    "discover.intro": (
        "Niemand noemde deze groepen vooraf: biasaudit heeft ze gezocht. De {rows} "
        "geanalyseerde mensen zijn willekeurig (seed {seed}) in twee helften verdeeld. In de "
        "ene ({find_rows} mensen) zocht het in combinaties van kenmerken en clusters van de "
        "invoer van het model naar de groepen waarvan het {metric} het verst boven dat van "
        "alle anderen ligt; in de andere ({test_rows} mensen) toetste het alleen wat de "
        "eerste helft vond, zodat de zoektocht zelf geen bevinding kan maken. De correctie "
        "van {correction} over de {tested} getoetste subgroepen houdt {controls} onder "
        "{level}. Elk getal hieronder komt uit de toetshelft; een subgroep is haar regel, "
        "toegepast zoals geschreven (bereiken zijn naar buiten afgerond op twee significante "
        "cijfers). De zoektocht liep in het geheugen op de records."
    ),
    "discover.holm": "Holm",
    "discover.bh": "Benjamini en Hochberg",
    "discover.controls_holm": ("de kans dat een subgroep wordt gemeld die niet slechter af is"),
    "discover.controls_bh": ("het verwachte aandeel gemelde subgroepen dat niet slechter af is"),
    "discover.none": (
        "Bij geen enkele subgroep was het {metric} in de toetshelft significant slechter "
        "dan dat van alle anderen."
    ),
    "discover.caption": (
        "Getoetste subgroepen: {metric} tegenover alle anderen in de toetshelft "
        "({level}-betrouwbaarheidsintervallen)"
    ),
    "discover.outro": (
        "Een subgroep die wel is getoetst maar niet gemeld, toont alleen haar regel: haar "
        "getallen worden niet gepubliceerd (ze is niet aangetoond slechter af, en ook niet "
        "aangetoond in orde). Elke maat van elke gemelde subgroep, met alle anderen, staat "
        "in discoveries.csv."
    ),
    "discover.sentence": (
        "{subgroup} ({rule}): {metric} {value} tegenover {everyone} voor alle anderen "
        "(verhouding {ratio}{ci}; gecorrigeerde {p}; {n} mensen uit de toetshelft)"
    ),
    "discover.withheld": "{subgroup} ({rule}): gemeld; de aantallen worden achtergehouden",
    "discover.ci": ", {level}-BI {low} tot {high}",
    "discover.p": "p = {p}",
    "discover.p_small": "p < 0,001",
    "discover.yes": "ja",
    "discover.no": "nee",
    "dcol.attribute": "Subgroep",
    "dcol.method": "Gevonden met",
    "dcol.group": "Wie (de regel)",
    "dcol.n": "Mensen (toetshelft)",
    "dcol.value": "Percentage",
    "dcol.reference_value": "Alle anderen",
    "dcol.ratio": "Verhouding",
    "dcol.ratio_ci_low": "BI laag",
    "dcol.ratio_ci_high": "BI hoog",
    "dcol.discovery_p_adjusted": "Gecorrigeerde p",
    "dcol.reported": "Gemeld",
    # ------------------------------------------------------------------ model probing
    "probe.title": "Onderzoek van het model: {model}",
    "probe.heading": "Onderzoek van het model",
    "probe.on_sample": "een steekproef van {drawn} van de {population} records van {name}",
    "probe.on_all": "{name} ({rows} records)",
    "probe.generated": (
        "Gemaakt met biasaudit{when} op {what}. Het onderzoek laat het model records in "
        "het geheugen beoordelen; het wordt niet uit tellingen berekend."
    ),
    "probe.sample": "Steekproef: {note}",
    "probe.model": "Model: {kind}, {description}; SHA-256 {sha}; invoer: {inputs}.",
    "probe.no_file": "geen bestand",
    "probe.every_column": "elke kolom",
    "probe.note": "Opmerking: {note}",
    "probe.flips_heading": "Kenmerk omgedraaid",
    "probe.flips_intro": (
        "Elk record{of_sample} werd beoordeeld zoals het is en met het kenmerk omgedraaid, "
        "al het andere gelijk. Selectieregel: {threshold}; top k = {top_k}. Gemiddelde "
        "veranderingen hebben gepaarde t-intervallen ({level}) en een Wilcoxon-rangtekentoets; "
        "veranderingen in selectie Wilson-intervallen en de exacte toets van McNemar. De "
        "nieuwe rang van een omgedraaid persoon is de plaats van diens omgedraaide score "
        "tussen de werkelijke scores van alle anderen."
    ),
    "probe.of_sample": " van de steekproef",
    "probe.flip_table": "Omgedraaid {flip}: veranderingen in score en selectie per groep",
    "probe.disclosure": (
        "Onthullingsbeheersing: aantallen van 1 tot {largest} mensen worden niet "
        "gepubliceerd, evenmin een groep of aantal waaruit er een uit de andere te berekenen "
        "is; {hidden} rijen worden helemaal achtergehouden, en de selectie- of top-k-kolommen "
        "van andere zijn leeg waar hun aantallen klein zijn."
    ),
    "probe.disclosure_off": "Onthullingsbeheersing was uitgeschakeld (min_cell = 0).",
    "probe.proxies_heading": "Plaatsvervangers: welke invoer staat voor een beschermd kenmerk",
    "probe.proxies_intro": (
        "Sterkte als plaatsvervanger: hoe goed de invoer alleen het kenmerk voorspelt (AUC "
        "bij een kenmerk met twee groepen, gelezen in de richting boven 0,5; anders "
        "genormaliseerde wederzijdse informatie), met {bootstrap} bootstrap-steekproeven "
        "voor de intervallen. Invloed: het aandeel van de invoer in hoeveel alle invoer de "
        "score beweegt. Gerangschikt op sterkte x invloed."
    ),
    "probe.proxy_table": "Plaatsvervangers voor {attribute}",
    "probe.profiles_heading": "Profielen",
    "probe.profiles_intro": (
        "Zelf geschreven of gegenereerde profielen, geen mensen uit de gegevens; elk "
        "vergeleken met het basisprofiel {base}."
    ),
    "probe.say.rule_score": "geselecteerd bij een score van ten minste {value}",
    "probe.say.rule_top_k": "de {k} hoogste scores geselecteerd",
    "probe.say.rule_top_k_scaled": (
        "de {k} hoogste scores geselecteerd (herschaald naar {scaled} van de {scored} beoordeelde)"
    ),
    "probe.say.rule_top_fraction": "de hoogste {percent}% van de scores geselecteerd",
    "probe.say.rule_top_fraction_default": (
        "de hoogste {percent}% van de scores geselecteerd (de standaard: geen drempel opgegeven)"
    ),
    "probe.say.flip_sample": (
        "een willekeurige steekproef met vaste seed van {scored} van de {rows} records "
        "(seed {seed})"
    ),
    "probe.say.not_flipped": (
        "{flip}: {left} records waarvan {attribute} niet in de tabel staat (of ontbreekt) "
        "zijn niet omgedraaid en tellen niet mee in de rijen ervan"
    ),
    "probe.say.together": "{flip}: {columns} samen met {attribute} omgedraaid",
    "probe.say.proxy_many_values": (
        "plaatsvervanger {feature} van {attribute}: {distinct} verschillende waarden; niet "
        "omgedraaid"
    ),
    "probe.say.proxy_flip": (
        "plaatsvervanger omgedraaid: {feature} op {typical} gezet (de meest voorkomende "
        "waarde bij {attribute} = {largest}, de grootste groep) voor iedereen met een "
        "andere waarde"
    ),
    "probe.say.proxy_sample": (
        "een willekeurige steekproef met vaste seed van {sampled} van de {rows} records"
    ),
    "probe.say.proxy_left_out": (
        "{attribute}: {dropped} records met een ontbrekende waarde of in een groep van "
        "minder dan {min_cell} mensen weggelaten"
    ),
    "probe.say.profile_differs": (
        "Profiel {name} ({mine}) scoort {score} tegenover {base_score} voor {base} "
        "({theirs}), verder gelijk."
    ),
    "probe.say.profile_same": (
        "Profiel {name} is in elke invoer van het model gelijk aan {base} (score {score})."
    ),
    "probe.profiles_table": "Scores van de profielen",
    "probe.contributions_table": "De bijdrage van elke variabele",
    "pcol.attribute": "Kenmerk",
    "pcol.group": "Groep",
    "pcol.n": "Mensen omgedraaid",
    "pcol.mean_score": "Gemiddelde score",
    "pcol.mean_flipped": "Gemiddelde score omgedraaid",
    "pcol.mean_change": "Gemiddelde verandering",
    "pcol.change_ci_low": "BI onder",
    "pcol.change_ci_high": "BI boven",
    "pcol.p_value": "Wilcoxon-p",
    "pcol.flag_up": "Nieuw geselecteerd",
    "pcol.flag_up_share": "Aandeel nieuw geselecteerd",
    "pcol.flag_down": "Niet meer geselecteerd",
    "pcol.flag_down_share": "Aandeel niet meer geselecteerd",
    "pcol.mcnemar_p": "McNemar-p",
    "pcol.mean_places_moved": "Gemiddeld plaatsen omhoog",
    "pcol.into_top_k": "In de top k",
    "pcol.note": "Opmerking",
    "pcol.rank": "Rang",
    "pcol.feature": "Invoer",
    "pcol.measure": "Maat",
    "pcol.strength": "Sterkte",
    "pcol.strength_ci_low": "BI onder",
    "pcol.strength_ci_high": "BI boven",
    "pcol.influence_share": "Aandeel in de invloed",
    "pcol.proxy_score": "Sterkte x invloed",
    "pcol.profile": "Profiel",
    "pcol.score": "Score",
    "pcol.base_score": "Basisscore",
    "pcol.difference": "Verschil",
    "pcol.differs_in": "Verschilt in",
    "pcol.variable": "Variabele",
    "pcol.value": "Waarde",
    "pcol.contribution": "Bijdrage",
    "pcol.method": "Hoe",
    "pchart.everyone_flipped": "iedereen omgedraaid",
    "pchart.flip_axis": "gemiddelde verandering in de score van het model na omdraaien",
    "pchart.flip_title": "Omdraaien van {flip} verandert de gemiddelde score van {shown}",
    "pchart.flip_value": "{group}: {mean} ({level}-BI {low} tot {high})",
    "pchart.proxy_axis": "sterkte als plaatsvervanger x aandeel in de invloed van het model",
    "pchart.proxy_title": (
        "{feature} staat het sterkst voor {attribute} ({strength}, {share} van de invloed "
        "van het model)"
    ),
    # ------------------------------------------------------------------ the metric registry
    "metric.excess_flagged.label": "Extra geselecteerd",
    "metric.excess_flagged.plain": "mensen in {group} die werden geselecteerd boven het aantal dat het selectiepercentage van de referentiegroep zou geven",
    "metric.excess_unfounded_investigations.label": "Extra onterechte onderzoeken",
    "metric.excess_unfounded_investigations.plain": "onterechte onderzoeken van {group} boven het aantal dat de onterechte onderzoeken per persoon van de referentiegroep zouden geven",
    "metric.excess_false_accusations.label": "Extra valse beschuldigingen",
    "metric.excess_false_accusations.plain": "onschuldige leden van {group} die werden geselecteerd boven het aantal dat het fout-positiefpercentage van de referentiegroep onder de onschuldigen van {group} zou geven",
    "metric.shortfall.label": "Tekort",
    "metric.shortfall.plain": "leden van {group} die bij het selectiepercentage van de referentiegroep geselecteerd zouden zijn, maar het niet werden (bij een beslissing die een voordeel is)",
    "metric.excess_flagged_amount.label": "Extra bedrag, geselecteerd",
    "metric.excess_flagged_amount.plain": "bedrag (de bedragkolom) gedragen door de geselecteerden van {group} boven wat het bedrag per persoon van de referentiegroep zou geven",
    "metric.excess_unfounded_amount.label": "Extra bedrag, onterechte onderzoeken",
    "metric.excess_unfounded_amount.plain": "bedrag gedragen door {group} in onterechte onderzoeken boven wat het bedrag per persoon van de referentiegroep in onterechte onderzoeken zou geven",
    "metric.excess_false_accusation_amount.label": "Extra bedrag, valse beschuldigingen",
    "metric.excess_false_accusation_amount.plain": "bedrag gedragen door de onschuldigen van {group} die werden geselecteerd, boven wat het bedrag per onschuldige persoon van de referentiegroep zou geven",
    "metric.shortfall_amount.label": "Tekort, bedrag",
    "metric.shortfall_amount.plain": "bedrag dat {group} bij het bedrag per persoon van de referentiegroep zou hebben ontvangen, maar niet ontving (bij een beslissing die een voordeel is)",
    "metric.selection_rate.label": "Selectiepercentage",
    "metric.selection_rate.plain": "aandeel van {group} dat voor onderzoek werd geselecteerd",
    "metric.population_share.label": "Aandeel in de populatie",
    "metric.population_share.plain": "aandeel van alle mensen dat tot {group} behoort",
    "metric.share_of_flagged.label": "Aandeel onder de geselecteerden",
    "metric.share_of_flagged.plain": "aandeel van alle geselecteerden dat tot {group} behoort",
    "metric.representation_ratio.label": "Vertegenwoordiging onder de geselecteerden",
    "metric.representation_ratio.plain": (
        "hoe sterk {group} is oververtegenwoordigd onder de geselecteerden (1 = naar verhouding)"
    ),
    "metric.base_rate.label": "Basispercentage",
    "metric.base_rate.plain": "aandeel van {group} dat werkelijk fraude pleegde",
    "metric.precision.label": "Precisie (trefpercentage)",
    "metric.precision.plain": "aandeel van de onderzoeken naar {group} dat iets opleverde",
    "metric.false_discovery_rate.label": "Aandeel onterechte onderzoeken",
    "metric.false_discovery_rate.plain": (
        "aandeel van de onderzoeken naar {group} dat onterecht was"
    ),
    "metric.false_positive_rate.label": "Fout-positiefpercentage (kans op onterechte verdenking)",
    "metric.false_positive_rate.plain": (
        "kans dat een onschuldig lid van {group} wordt geselecteerd"
    ),
    "metric.innocent_flag_rate.label": "Onterechte onderzoeken per persoon",
    "metric.innocent_flag_rate.plain": "onterechte onderzoeken per persoon in {group}",
    "metric.false_negative_rate.label": "Fout-negatiefpercentage",
    "metric.false_negative_rate.plain": "aandeel van de fraude in {group} dat het systeem miste",
    "metric.true_positive_rate.label": "Terecht-positiefpercentage",
    "metric.true_positive_rate.plain": (
        "aandeel van de fraude in {group} dat het systeem selecteerde"
    ),
    "metric.true_negative_rate.label": "Terecht-negatiefpercentage",
    "metric.true_negative_rate.plain": (
        "aandeel van de onschuldige leden van {group} dat niet werd geselecteerd"
    ),
    "metric.false_omission_rate.label": "Fout-omissiepercentage",
    "metric.false_omission_rate.plain": (
        "aandeel van de niet-geselecteerden in {group} dat fraude pleegde"
    ),
    "metric.negative_predictive_value.label": "Negatief voorspellende waarde",
    "metric.negative_predictive_value.plain": (
        "aandeel van de niet-geselecteerden in {group} dat geen fraude pleegde"
    ),
    "metric.accuracy.label": "Juistheid",
    "metric.accuracy.plain": "aandeel van {group} bij wie de selectie overeenkwam met de uitkomst",
    "metric.share_of_offenders.label": "Aandeel in de fraude",
    "metric.share_of_offenders.plain": (
        "aandeel van de fraude in de aselecte controlesteekproef dat door {group} werd gepleegd"
    ),
    "metric.equal_burden_gap.label": "Verschil in lastenverdeling",
    "metric.equal_burden_gap.plain": (
        "hoeveel meer van de onderzoeken {group} draagt dan haar aandeel in de werkelijke "
        "fraude (een verschil van twee aandelen, opgeslagen als fractie: 0,05 is 5 "
        "procentpunt; 0 = last naar verhouding van de fraude)"
    ),
    "metric.share_of_found.label": "Aandeel in de gevonden fraude",
    "metric.share_of_found.plain": (
        "aandeel van de fraude gevonden onder de door het model geselecteerde zaken dat "
        "door {group} werd gepleegd"
    ),
    "metric.found_gap.label": "Verschil tussen gevonden en gepleegde fraude",
    "metric.found_gap.plain": (
        "hoeveel meer van de fraude die het model vindt van {group} komt dan haar aandeel in "
        "de werkelijke fraude (een verschil van twee aandelen, opgeslagen als fractie: 0,05 "
        "is 5 procentpunt)"
    ),
}
