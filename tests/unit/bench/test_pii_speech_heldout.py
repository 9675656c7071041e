"""The spoken-names corpus's splits written blind, ``heldout3`` to ``heldout19`` (tuning
splits now, since each was read once blind), ``heldout20`` and ``heldout21`` (blind, not read
yet): pinned as first written, and disjoint from the others.

heldout3 was written by another engineer than the redaction rules', blind to them, and committed
before the rules changed; heldout4 was written blind to the rules by a third engineer, from another
source (raw Whisper output of calls in sectors the other splits lack, several tenants per language,
one with no declared id format); heldout5 was written blind by a fourth engineer, from yet another
source (Whisper output of voicemails, transfers and hand-overs, outbound calls where the customer
corrects the details read to them, noisy lines; again new sectors, several tenants per language, one
per language with no declared id format); heldout6 was written blind by a fifth engineer, from yet
another source (third parties calling for someone else, form filling field by field, IVR and callbot
turns, elderly or hesitant callers, code-switching; new sectors again, several tenants per language,
one per language with no declared id format; read once blind after the third recall round, tuned on
from the fourth); heldout7 was written blind by a sixth engineer, from yet another source (about
half its rows as faster-whisper writes them by default, identity checks, moving house, dictated
messages, complaints reading out several kinds of reference; new sectors again, several tenants per
language, one per language with no declared id format; read once blind after the fifth recall
round, tuned on from the sixth);
heldout8 was written blind by a seventh engineer, from yet another source (payments and billing
disputes, health and social lines, a ferry line and a hotel chain, spelling alphabets, callers'
names of many origins as Whisper garbles them, about a third in faster-whisper's default form; new
sectors again, several tenants per language, one per language with no declared id format; read
once blind after the sixth recall round, tuned on from the seventh);
heldout9 was written blind by an eighth engineer, from yet another source (Whisper's artefacts:
hallucinated lines as hard negatives, loops, words cut at a segment boundary; Belgian, Swiss, Irish
and Scottish callers; overlapping speech merged into one turn; details read off a letter or a
screen; young callers with slang; about a third in faster-whisper's default form; new sectors
again, several tenants per language, one per language with no declared id format; read once blind
after the seventh recall round, tuned on from the eighth);
heldout10 was written blind by a ninth engineer, from yet another source (callers beyond the home
countries: Québec, West and North Africa, overseas France, Australia, India, Canada, the US; motor
and home insurance claims with third parties and witnesses, vehicle registrations labelled only
where the tenant registers their format; debt collection and payment plans; diarization slips, a
value cut by a backchannel or finished by the agent; about a third in faster-whisper's default
form; new sectors again, several tenants per language, one per language with no declared id
format; read once blind after the eighth recall round, tuned on from the ninth);
heldout11 was written blind by a tenth engineer, from yet another source (public services and tax:
numéro fiscal, numéro d'allocataire, identifiant France Travail, UTR and National Insurance numbers
in pieces, details given field by field and in one breath; bank fraud lines with disputed payments
and a card's last four digits as hard negatives; interpreter-mediated and relay calls; deliveries
and returns, tracking numbers and locker codes unlabelled; e-mails dictated with symbols as words;
about a third in faster-whisper's default form; new sectors again, several tenants per language,
one per language with no declared id format; read once blind after the ninth recall round, tuned
on from the tenth);
heldout12 was written blind by an eleventh engineer, from yet another source (telecom and
home-internet tech support with MAC addresses, network names, line tests and engineer slots as hard
negatives; letting and estate agencies, the agency's office unlabelled; schools and childcare, class
names and schools named after a person unlabelled; bereavement and estates, funeral directors'
company names unlabelled; ASR homophones in numbers and spellings, letters heard as words; about a
third in faster-whisper's default form; new sectors again, several tenants per language, one per
language with no declared id format); read once blind after the tenth recall round, tuned on from
the eleventh;
heldout13 was written blind by a twelfth engineer, from yet another source (hospitality and
reservations with booking references, room and table numbers and the hotel's address as hard
negatives; charity donors and subscriptions, sort codes, account numbers and IBANs in pieces,
campaign and offer codes unlabelled; notaries, solicitors and property, parcel, title and file
references unlabelled; trades call-outs with the home given as directions and landmarks; outbound
surveys and do-not-call requests; name forms: surname first, titles, particles, double surnames;
faster-whisper's number normalisation; about a third in faster-whisper's default form; new sectors
again, several tenants per language, one per language with no declared id format); read once blind
after the eleventh recall round, tuned on from the twelfth;
heldout14 was written blind by a thirteenth engineer, from yet another source (HR and IT helpdesks
inside companies: employee and payroll numbers and logins labelled, tickets, hostnames, asset tags,
software and error codes unlabelled; civil registries and register offices: parents' and maiden
names labelled, certificate and file numbers and towns of birth unlabelled; sports clubs' ticket
offices: supporter and member numbers labelled, seats, gates, dates and prices unlabelled; names
that are common words or trades beside the same words as words; names mangled by ASR and spelled;
numbers in other groupings; about a third in faster-whisper's default form; new sectors again,
several tenants per language, one per language with no declared id format); read once blind
after the twelfth recall round, tuned on from the thirteenth;
heldout15 was written blind by a fourteenth engineer, from yet another source (universities and
student services: student numbers and logins labelled, course codes, rooms, exam dates and the
university's buildings unlabelled; online marketplaces and apps: usernames and handles labelled,
listing and order numbers, app and feature names unlabelled; legal aid and victim support lines:
third parties and a safe contact number labelled, case and crime references, courts and police
stations unlabelled; garages and roadside assistance: membership numbers and the home labelled, a
breakdown on a public road or a motorway and a garage's address unlabelled; Whisper's hallucinated
lines as hard negatives and self-repairs inside values; about a third in faster-whisper's default
form; new sectors again, several tenants per language, one per language with no declared id
format); read once blind after the twelfth recall round and the US given names, tuned on from
the thirteenth;
heldout16 was written blind by a fifteenth engineer, from yet another source (veterinary clinics
and pet insurers: owners' details and client and policy numbers labelled, pets' names, breeds,
drugs and doses unlabelled; leisure centres and pools: membership numbers and instructors' names
labelled, classes, lockers, lanes, hours, prices and the centre's address unlabelled; public
transport: season-ticket and travel-card numbers labelled, lost items, stations, stops, lines and
platforms unlabelled; local councils: council-tax and parking-permit accounts, the caller's home
and councillors' names labelled, public places, bin days, wards and the town hall unlabelled;
phone shops and repairs: accounts and a SIM's number labelled, job numbers and handset models
unlabelled; about a third in faster-whisper's default form; new sectors again, several tenants per
language, one per language with no declared id format); read once blind after the thirteenth
recall round, tuned on from the fourteenth;
heldout17 was written blind by a sixteenth engineer, from yet another source (energy and water
suppliers' move-in, move-out and meter calls: customer, account and meter numbers labelled, meter
readings, tariffs, kWh and m³ figures, dates and amounts unlabelled; recruitment agencies and job
centres: candidates' details, candidate and jobseeker numbers labelled, vacancy references, job
titles, employers and their sites unlabelled; nurseries and after-school clubs: children's and
parents' names labelled, a child's date of birth, rooms and groups unlabelled; parcel lockers and
pick-up points: the caller's home and the courier's first name labelled, tracking numbers,
collection codes and locker locations unlabelled; NATO and French radio alphabets mixed with plain
letters, particles and apostrophes, compound first names, surnames that are place names; about a
third in faster-whisper's default form; new tenants again, several per language, one per language
with no declared id format); read once blind after the fourteenth recall round, tuned on from
the fifteenth;
heldout18 was written blind by a seventeenth engineer, from yet another source (opticians:
customers', children's and eye doctors' names, customer and health-insurance member numbers
labelled, prescriptions, lens figures, frame models named like people, prices and the shop's
address unlabelled; hearing-aid centres: elderly callers, values said again after "pardon ?",
a NIR labelled, batteries, decibels, models and reimbursement classes unlabelled; mortgage and
consumer-credit brokers: borrowers, guarantors, vendors, notaries, the home bought and the one
rented labelled, rates, amounts and ratios unlabelled; social landlords' and housing
associations' repair lines: tenants, neighbours, caretakers and tenancy numbers labelled, repair
job numbers, contractors, rents and slots unlabelled; a marina and a self-storage firm: berth
holders and key holders and their contracts and accounts labelled, boats' names, berths, units
and gate codes unlabelled; nicknames beside formal names, house names, Breton, Irish and UK
address forms, "double", "treble", "soixante-dix"; about a third in faster-whisper's default form;
new sectors again, several tenants per language, one per language with no declared id format);
read once blind after the fifteenth recall round, tuned on from the sixteenth;
heldout19 was written blind by an eighteenth engineer, from yet another source (wedding and event
venues: couples, parents, witnesses and planners and booking references labelled, rooms named like
people, packages, prices, quote numbers and the venue's address unlabelled; solar installers'
warranty lines: holders, neighbours, installers, contract numbers and inverter serials labelled,
models, error codes, kWh and tariffs unlabelled; tutoring and language schools: pupils, parents,
tutors and their numbers labelled, courses, levels, marks, exams and timetables unlabelled; a care
home: residents, family, nurses, the doctor and a NIR labelled, fees, rooms and activities
unlabelled; holiday cottages: the party and the cleaner labelled, cottages' names, key-safe codes
and prices unlabelled; cemetery, crematorium and bereavement offices: the deceased, the grave's
holder, the family, the stonemason and concession and deed numbers labelled, sections, leases and
service times unlabelled; callers correcting the agent's read-back, names said with their origin,
values said by someone in the background, addresses as directions then a house number, "zéro"
said "o", letters+digits references, e-mails with digits and dashes; about a third in
faster-whisper's default form; new sectors again, several tenants per language, one per language
with no declared id format); read once blind after the sixteenth recall round, tuned on from
the seventeenth; heldout20 was written blind by a nineteenth engineer, from yet another source
(clinical-trial volunteers' and blood-donor lines: volunteers, donors, nurses, doctors and their
numbers labelled, study codes, doses, blood groups, haemoglobin and sessions unlabelled;
chimney-sweep and pest-control firms: customers, landlords, tenants, sweeps and quote numbers
labelled, flues, products, prices and certificates unlabelled; music schools with instrument hire:
pupils, parents, teachers, repairers and hire agreements labelled, instruments, models, composers
and exams unlabelled; genealogy societies: members, ancestors, cousins, volunteers and membership
numbers labelled, archive references, years and occupations unlabelled; coworking spaces: members,
partners, interns and member numbers labelled, offers, rooms, wifi and the second site unlabelled;
numbers digit by digit with "o"/"oh", international prefixes, a value over two turns with the
agent reading part back, radio-alphabet spellings mixed with plain letters, "bis", "ter", flats
and floors, postcodes in words; about a third in faster-whisper's default form; new sectors
again, several tenants per language, one per language with no declared id format); not read yet,
only measured; heldout21 was written blind by a twentieth engineer, from yet another source
(allotment societies: plot holders, neighbours, officers and membership numbers labelled, plots
and varieties named like people unlabelled; riding schools and livery yards: riders, parents,
instructors, the farrier and rider and livery numbers labelled, horses' names, levels, kit and
prices unlabelled; florists' delivery lines: senders, recipients, names for the card message, the
recipient's home and accounts labelled, bouquets and roses named like people and order
references unlabelled; non-emergency patient transport: patients, carers, crews, the doctor, the
pick-up home, patient and NHS numbers and a NIR labelled, hospitals named after a person, vehicles
and times unlabelled; children's holiday camps: children, parents, collectors, leaders, nicknames
and family numbers labelled, camps and soft toys named like people unlabelled; misheard surnames
corrected then spelled, French numbers in words, values across turns with a backchannel inside;
about a third in faster-whisper's default form; new sectors again, several tenants per language,
one per language with no declared id format); not read yet, only measured.
These checks read the corpus only (no recognizer runs): each split's rows are the digest first
written, the committed jsonl is what the yaml generates, it holds every family and hard negatives in
the numbers it was written with, and its people, streets, tenants and sentences never occur in the
splits it is kept apart from. All are read only when named by bench/pii_accuracy.py (never by
``all``), so that their figures compare with the earlier readings.
"""

import ast
import re
import sys

import pytest

from transforms.core.settings import REPO_ROOT

sys.path.insert(0, str(REPO_ROOT / "bench"))
import pii_speech as speech

ROWS = speech.load()
#: Fillers, the words of spelling ("t comme thomas") and the particles of surnames ("de la tour",
#: "van der meulen", "mac lochlainn"): no one's name, shared by design.
NOT_NAMES = {"euh", "uh", "um", "comme", "de", "la", "van", "der", "mac"}
DIGESTS = {
    "heldout3": speech.HELDOUT3_SHA256,
    "heldout4": speech.HELDOUT4_SHA256,
    "heldout5": speech.HELDOUT5_SHA256,
    "heldout6": speech.HELDOUT6_SHA256,
    "heldout7": speech.HELDOUT7_SHA256,
    "heldout8": speech.HELDOUT8_SHA256,
    "heldout9": speech.HELDOUT9_SHA256,
    "heldout10": speech.HELDOUT10_SHA256,
    "heldout11": speech.HELDOUT11_SHA256,
    "heldout12": speech.HELDOUT12_SHA256,
    "heldout13": speech.HELDOUT13_SHA256,
    "heldout14": speech.HELDOUT14_SHA256,
    "heldout15": speech.HELDOUT15_SHA256,
    "heldout16": speech.HELDOUT16_SHA256,
    "heldout17": speech.HELDOUT17_SHA256,
    "heldout18": speech.HELDOUT18_SHA256,
    "heldout19": speech.HELDOUT19_SHA256,
    "heldout20": speech.HELDOUT20_SHA256,
    "heldout21": speech.HELDOUT21_SHA256,
}
#: The splits each is kept apart from: heldout3 was written beside dev2 (they share counted name
#: words, tests/unit/privacy/test_spoken_names.py), heldout4 to heldout14 after every split before
#: them (and each from the later ones too).
APART = {
    "heldout3": ("dev", "heldout2"),
    "heldout4": tuple(s for s in speech.SPLITS if s != "heldout4"),
    "heldout5": tuple(s for s in speech.SPLITS if s != "heldout5"),
    "heldout6": tuple(s for s in speech.SPLITS if s != "heldout6"),
    "heldout7": tuple(s for s in speech.SPLITS if s != "heldout7"),
    "heldout8": tuple(s for s in speech.SPLITS if s != "heldout8"),
    "heldout9": tuple(s for s in speech.SPLITS if s != "heldout9"),
    "heldout10": tuple(s for s in speech.SPLITS if s != "heldout10"),
    "heldout11": tuple(s for s in speech.SPLITS if s != "heldout11"),
    "heldout12": tuple(s for s in speech.SPLITS if s != "heldout12"),
    "heldout13": tuple(s for s in speech.SPLITS if s != "heldout13"),
    "heldout14": tuple(s for s in speech.SPLITS if s != "heldout14"),
    "heldout15": tuple(s for s in speech.SPLITS if s != "heldout15"),
    "heldout16": tuple(s for s in speech.SPLITS if s != "heldout16"),
    "heldout17": tuple(s for s in speech.SPLITS if s != "heldout17"),
    "heldout18": tuple(s for s in speech.SPLITS if s != "heldout18"),
    "heldout19": tuple(s for s in speech.SPLITS if s != "heldout19"),
    "heldout20": tuple(s for s in speech.SPLITS if s != "heldout20"),
    "heldout21": tuple(s for s in speech.SPLITS if s != "heldout21"),
}
#: Rows of each family (by the kind they were written for) and hard negatives, at least.
MINIMUM = {
    "heldout3": {"NAME": 100, "negatives": 60},
    "heldout4": {"NAME": 85, "ADDRESS": 35, "ID": 30, "PHONE": 25, "EMAIL": 20, "negatives": 70},
    "heldout5": {"NAME": 85, "ADDRESS": 35, "ID": 30, "PHONE": 25, "EMAIL": 20, "negatives": 70},
    "heldout6": {"NAME": 85, "ADDRESS": 35, "ID": 30, "PHONE": 25, "EMAIL": 20, "negatives": 70},
    "heldout7": {"NAME": 85, "ADDRESS": 35, "ID": 30, "PHONE": 25, "EMAIL": 20, "negatives": 70},
    "heldout8": {"NAME": 85, "ADDRESS": 35, "ID": 30, "PHONE": 25, "EMAIL": 20, "negatives": 70},
    "heldout9": {"NAME": 85, "ADDRESS": 35, "ID": 30, "PHONE": 25, "EMAIL": 20, "negatives": 70},
    "heldout10": {"NAME": 85, "ADDRESS": 35, "ID": 30, "PHONE": 25, "EMAIL": 20, "negatives": 70},
    "heldout11": {"NAME": 85, "ADDRESS": 35, "ID": 30, "PHONE": 25, "EMAIL": 20, "negatives": 70},
    "heldout12": {"NAME": 85, "ADDRESS": 35, "ID": 30, "PHONE": 25, "EMAIL": 20, "negatives": 70},
    "heldout13": {"NAME": 85, "ADDRESS": 35, "ID": 30, "PHONE": 25, "EMAIL": 20, "negatives": 70},
    "heldout14": {"NAME": 85, "ADDRESS": 35, "ID": 30, "PHONE": 25, "EMAIL": 20, "negatives": 70},
    "heldout15": {"NAME": 85, "ADDRESS": 35, "ID": 30, "PHONE": 25, "EMAIL": 20, "negatives": 70},
    "heldout16": {"NAME": 85, "ADDRESS": 35, "ID": 30, "PHONE": 25, "EMAIL": 20, "negatives": 70},
    "heldout17": {"NAME": 85, "ADDRESS": 35, "ID": 30, "PHONE": 25, "EMAIL": 20, "negatives": 70},
    "heldout18": {"NAME": 85, "ADDRESS": 35, "ID": 30, "PHONE": 25, "EMAIL": 20, "negatives": 70},
    "heldout19": {"NAME": 85, "ADDRESS": 35, "ID": 30, "PHONE": 25, "EMAIL": 20, "negatives": 70},
    "heldout20": {"NAME": 85, "ADDRESS": 35, "ID": 30, "PHONE": 25, "EMAIL": 20, "negatives": 70},
    "heldout21": {"NAME": 85, "ADDRESS": 35, "ID": 30, "PHONE": 25, "EMAIL": 20, "negatives": 70},
}
#: Street and town words of each split: the generic ones (rue, road, du, flat...) are shared by
#: design.
STREETS = {
    "heldout3": {"tanneurs", "croix", "tilleuls", "jaurès", "chaux", "hawthorn", "wellington"}
    | {"bramble", "approach", "stortford", "voiron"},
    "heldout4": {"charmilles", "sorbiers", "poitiers", "rochefort", "chartrons", "monbazillac"}
    | {"mésanges", "limoges", "cordeliers", "acacias", "lavandières", "bayonne"}
    | {"quarry", "mews", "harebell", "lyndhurst", "cobden", "mossley", "greengate"}
    | {"foundry", "brindley", "chandos", "mafeking", "nightingale", "nettleworth"},
    "heldout5": {"sabotiers", "pressoir", "ormeaux", "bergerac", "épis", "hendaye", "reims"}
    | {"coquelicots", "hirondelles", "courbet", "bruyères", "aubusson", "lavoir", "hulotte"}
    | {"platanes", "forgerons", "cerisiers", "mouettes", "hainaut", "valenciennes"}
    | {"larch", "orchard", "sefton", "cranbourne", "kirkstall", "maltings", "bellhouse"}
    | {"coniston", "ropewalk", "quayside", "elmfield", "hollins", "bilberry", "wellgate"},
    "heldout6": {"goélands", "ajoncs", "menhir", "kerlaouen", "pontivy", "tisserands", "vanneaux"}
    | {"bleuets", "genêts", "capucins", "puits-neuf", "tanneries", "églantines", "cigales"}
    | {"micocouliers", "sauvagine", "lavandins", "oliviers", "francheville", "plougastel"}
    | {"juniper", "gorse", "lindens", "dunmore", "cromwell", "paddocks", "tannery"}
    | {"brackenridge", "chalkpit", "wisteria", "pelham", "caversham", "cleethorpe", "saltings"},
    "heldout7": {"cordiers", "saules-pleureurs", "gare-d'eau", "pré-fleuri", "fosse", "tamaris"}
    | {"vanniers", "chevrolière", "tourterelles", "vieux-marché-aux-grains", "orfèvres", "ried"}
    | {"bischwiller", "wantzenau", "mundolsheim", "sagnes", "dentelle", "chazotte", "martouret"}
    | {"gentianes", "vibert", "chaudronniers", "peupliers-blancs", "caladons", "granges"}
    | {"cowslip", "kilnworth", "fennel", "hobhouse", "marchmont", "tolley", "tansy", "goldcrest"}
    | {"ramsbottom", "granary", "quenby", "thistlewood", "pennycress", "mallard", "sandpiper"}
    | {"kirkgate", "hatherleigh", "vicarage", "larkspur", "ashgrove", "burdock"},
    "heldout8": {"aiguillettes", "saisies", "cristalliers", "grand-mont", "flumet", "ugine"}
    | {"goémoniers", "kerhuel", "vihan", "stang-alar", "plouzané", "ploudalmézeau", "gwenn"}
    | {"pêcheurs-de-goémon", "églantiers", "pierre-plate", "mélèzes", "lac-noir", "belledonne"}
    | {"tisserandes-de-vizille", "rives", "voreppe", "haubans", "mâts-de-misaine", "calfats"}
    | {"wagtail", "clough", "dyehouse", "hollinsbrook", "todmorden", "samphire", "penzance"}
    | {"kittiwake", "pilchard", "newlyn", "lugger", "slipway", "mousehole", "damson", "garth"}
    | {"northowram", "hayrick", "cobnut", "maidstone", "sloeberry", "hopgarden", "tovil"},
    "heldout9": {"grillons", "thônex", "pré-de-la-fontaine", "annemasse", "trois-chêne"}
    | {"vandœuvres", "ruisbroek-saint-pierre", "houblonnières", "vieux-moulin-à-tan", "wépion"}
    | {"pré-de-l'essert", "planchettes", "sagnettes", "brassus", "maraîchers-de-la-plaine"}
    | {"ferblantiers", "coteaux-fleuris", "malissard", "passiflores", "étameurs"}
    | {"knocknacarra", "ballinagreagh", "gortnaskeagh", "kilmovee", "kirkbrae", "quarrelton"}
    | {"dalgairn", "craigend", "kilbarchan", "millrace", "tanyard", "bellfounders", "ropemakers"}
    | {"ginnel", "tenterfield", "copperkettle"},
    "heldout10": {"saint-viateur", "érablières", "fonderie-gosselin", "gorgui", "targa"}
    | {"hamdallaye", "bourreliers", "trémières", "vannerie-basse", "guilbaudière"}
    | {"fond-bananier-rouge", "balisiers", "bois-neuf", "grand-fond-des-goyaviers"}
    | {"passementiers", "moulin-de-la-garenne", "wattlebird", "kurrajong", "paperbark"}
    | {"gulmohar", "indiranagar", "jayanagar", "larkhaven"}
    | {"sumac", "cattail", "pendleton", "brackenfold", "dyeworks", "magnolia", "persimmon"},
    "heldout11": {"pastelliers", "pigeonnier-rouge", "cardeurs", "montagne-noire", "pradelle-haute"}
    | {"filatures", "linières", "bas-liévin", "verriers", "val-fleuri", "cordonniers", "pignadas"}
    | {"chaumières-basses", "résiniers", "rempailleurs", "vitriers", "rémouleurs", "gabariers"}
    | {"vieux-chantier", "boscawen", "quarrybank", "trevithick", "lanyon", "ostlers", "tollbar"}
    | {"chandlers", "larkmoor", "gannet", "marram", "sandpit", "spinnaker", "brewhouse", "teasel"}
    | {"reedmace", "wherry", "dovecote", "hawkweed", "millstone", "cottesmore", "cobblers"},
    "heldout12": {"rouissoirs", "ardoisiers", "feuillantines", "tonneliers-d'amont", "calfateurs"}
    | {"sabliers-gris", "kervéguen", "chapeliers-fins", "moulin-à-pastel", "borde-basse"}
    | {"pastouriaux", "clos-des-vendangeurs", "fileuses-de-lin", "vergers-de-la-motte"}
    | {"tondeurs-de-draps", "meuniers-de-ladoux", "ormes-bleus", "hemlock", "osierbed", "scythe"}
    | {"kiddlewell", "pennyroyal", "pottersfield", "wheelwrights", "tithebarn", "saddletree"}
    | {"quillet", "mallowmead", "bellwether", "cordwainer", "pargetters", "corndolly"}
    | {"larchcombe"},
    "heldout13": {"chaisiers", "combe-aux-merles", "sourcières", "pareurs", "cloutiers"}
    | {"barry-haut", "caussenards", "calmette-basse", "vignals", "pibles", "pas-de-l'âne"}
    | {"chaudronniers-d'en-bas", "fontainiers", "treilles-hautes", "vanniers-de-fabrègues"}
    | {"montgaillard", "kittlesby", "pomfret", "wardle", "leaholme", "brathay", "kirkstead"}
    | {"tanpit", "pitchcombe", "cordery", "stanmore", "smithy", "greywethers", "sarsen", "kennet"}
    | {"glyndwr", "tanygrisiau", "fountain", "tenter", "scissett", "llanbedr"},
    "heldout14": {"cartonniers", "rubaniers", "fileurs-de-soie", "gaziers", "émailleurs"}
    | {"brodeuses", "charbonnières-hautes", "pelletiers-vieux", "dinandiers", "font-rousse"}
    | {"tourneurs-sur-bois", "cadraniers", "ferronniers-d'art", "chaumeurs", "cressonnières"}
    | {"batteurs-de-fer", "ropery", "wherstead", "salthouse", "knottingley", "hollingworth"}
    | {"quernmore", "ribble", "cloughfold", "pilgrim", "cidermill", "quince", "severnside"}
    | {"pengarth", "cwrt", "felin", "tredegar", "lletty"},
    "heldout15": {"enlumineurs", "copistes", "relieurs", "parcheminiers", "fondeurs-de-lettres"}
    | {"bouquinistes", "chineurs", "brocanteurs", "marqueteurs", "vitraillistes", "gabelous"}
    | {"verrières-hautes", "tuiliers-vieux", "rétameurs", "feuillardiers", "sabotières"}
    | {"charbonniers-de-la-forêt", "lampwick", "gullrock", "inkpot", "quillpen", "puffinholme"}
    | {"tinderbox", "cobweb", "bobbinmill", "gramophone", "sheepwash", "limekiln", "cockleshell"}
    | {"slatehouse", "tallowchandler", "ironstone", "pumphouse", "coachbuilder"},
    "heldout16": {"chevriers", "bourdaines", "sonneurs-de-trompe", "hongreurs", "houppiers"}
    | {"vanniers-de-glaire", "fendeurs-d'ardoise", "fondeurs-de-cloches", "pâtureaux-gris"}
    | {"lormiers", "flotteurs-de-meuse", "cloutières", "ferronnières-de-semoy", "huchiers"}
    | {"essarteurs", "brasseurs-de-warcq", "émouleurs", "ploughwright", "shepherdsbield"}
    | {"drovers'", "farrier's", "curlewmoor", "kipperhouse", "hayloft", "fellgate", "ghyll"}
    | {"tinsmith", "cairnhead", "sheepfold", "saddlers'", "coopers'", "loaning", "tanners'"}
    | {"vennel", "maltkiln", "bobbinwinder"},
    "heldout17": {"lunetiers", "tavaillonneurs", "pipiers", "diamantaires", "lapidaires"}
    | {"boissetiers", "gentianiers", "tourneurs-de-buis", "tuyés", "bûcherons-du-risoux"}
    | {"essarts-du-fresnois", "marnières", "grumiers", "charrons-d'amont", "horlogers-monteurs"}
    | {"fruitiers-de-comté", "montbéliardes", "épicéas-hauts", "schlitteurs", "sauniers-d'arc"}
    | {"fromagers-de-mouthe", "tanneurs-de-gray", "dykereeve", "fenslodger", "eelgrig"}
    | {"skeldyke", "sluicekeeper's", "warpland", "lodebank", "withybed", "reedcutters'"}
    | {"pumpinghouse", "eelmere", "bargemaster's", "fennbridge", "cressbed", "osierholt"}
    | {"cattlegrid", "fenreeve", "hobhole", "eelcatchers'", "marshwarden"},
    "heldout18": {"magnaniers", "clédiers", "castagnals", "moulinages-vieux", "clède-haute"}
    | {"sériciculteurs", "bombyx", "moulinières-hautes", "clèdes-basses", "cocons-d'or"}
    | {"tordeuses-de-soie", "magnaudières", "fileurs-de-schappe", "mouliniers", "tireurs-de-grège"}
    | {"ourdisseuses", "filandières", "dévideuses", "vilin-goz", "ravaudeuses", "kerroc'h-vihan"}
    | {"remailleurs", "quillhatch", "tallowgate", "nailmakers", "spurrier", "bellhanger"}
    | {"ballinasheeragh", "coopersfield", "knockaunbrack", "creamery", "lisheenmore", "cordage"}
    | {"gloverstone", "quayhaven", "sawpit", "cobbold", "pitmen's", "keelmen's", "staithes"}
    | {"crabapple", "lanternmaker's", "chandlery", "hopyard"},
    "heldout19": {"vendangeuses-basses", "tonnelières-de-cahuzac", "pressureurs-vieux"}
    | {"foulons-hauts", "batteurs-de-faux", "chaufourniers-d'aveyron", "sécheurs-de-noix"}
    | {"feutriers", "ferrandiniers", "couteliers-de-thiers", "papetiers-du-livradois"}
    | {"rémouleuses", "cabretaires", "gabariers-du-lot", "pastelliers-hauts", "cayrou-vieux"}
    | {"tuiliers-de-nérac", "prunelaies", "séchoirs-à-prunes", "gabarres-hautes"}
    | {"bouviers-de-serres", "hurdlemaker's", "wainhouse", "flaxdresser", "bodgers'", "oxlip"}
    | {"burners'", "peatstack", "haywardens", "wattlefold", "cheesewring", "tinstreamers"}
    | {"clayworkers'", "rushlight", "jetworker's", "kipperlane", "alumworks", "saltwick"}
    | {"nailcutters'", "chainmakers", "anvilsmith", "puddlers'", "lockmaker's"},
    "heldout20": {"sarcleuses-d'arize", "cardeuses-vieilles", "bûcheronnes-de-l'estrique"}
    | {"vanneuses", "fendeuses-de-lauze", "sabotières-du-giffre", "tavaillonneuses-du-brévon"}
    | {"scieurs-de-long", "vielleuses", "hautboïstes", "tambourinaires-du-pic"}
    | {"fifreurs-de-lodève", "orpailleuses", "charbonnières-de-goulier"}
    | {"forgeronnes-à-la-catalane", "espadrilleuses", "cueilleuses-de-câpres"}
    | {"tonneliers-de-frontignan", "salinières-hautes", "pêcheuses-de-thau"}
    | {"tallowchandlers'", "bellcasters", "rennet", "fulling", "clogmakers'", "weftspinner"}
    | {"crofters'", "fustian", "luthiers'", "reedcutter", "organbuilders", "bowmakers'"}
    | {"harpstring", "ropewalkers'", "sugarboilers", "glassblowers'", "tinners'", "stannary"}
    | {"kilnmakers'"},
    "heldout21": {"sarcloirs", "bineurs-de-garonne", "greffeurs-d'olivet"}
    | {"maraîchères-de-lardenne", "échalotes", "sellerie-basse", "pech-ménel", "palefreniers"}
    | {"licols-rouges", "crinières"}
    | {"glaïeuls-roses", "immortelles", "fleuristes-du-lez", "mimosas-d'hiver", "brancardiers"}
    | {"sarrat-d'en-haut", "hourque-vieille", "ormières", "bouviers-de-gascogne", "haleurs"}
    | {"catamarans", "mareyeuses", "salicornes", "furrowdale", "dibbers", "seedbed", "cloche"}
    | {"potting", "hollybush", "bridle", "stirrup", "martingale", "farthingale", "sweetbriar"}
    | {"kingcup", "vetch", "nosegay", "posy", "mangold", "oastbrook", "wealdgate", "pluckley"}
    | {"hopkiln", "silverweed", "tillerman", "jibsail", "cleat"},
}
SPLITS = list(DIGESTS)


def _held(split: str) -> list[dict]:
    return [r for r in ROWS if r["split"] == split]


def _words(split: str, entity_type: str) -> set[str]:
    """Words of one split's labels of one type (fillers and single spelled letters left out)."""
    out: set[str] = set()
    for row in _held(split):
        for e in row["entities"]:
            if e["type"] == entity_type:
                label = row["text"][e["start"] : e["end"]].lower()
                out |= {w for w in re.split(r"[\s,]+", label) if len(w) > 1}
    return out - NOT_NAMES


@pytest.mark.parametrize("split", SPLITS)
def test_the_split_is_as_first_written(split) -> None:
    assert speech.split_digest(ROWS, split) == DIGESTS[split]


@pytest.mark.parametrize("split", SPLITS)
def test_the_committed_rows_are_what_the_yaml_generates(split) -> None:
    assert [r for r in speech.build() if r["split"] == split] == _held(split)


@pytest.mark.parametrize("split", SPLITS)
def test_the_split_has_every_family_and_hard_negatives_in_both_languages(split) -> None:
    held = _held(split)
    kinds = {k: sum(r["kind"] == k for r in held) for k in MINIMUM[split] if k != "negatives"}
    kinds["negatives"] = sum(not r["entities"] for r in held)
    assert all(kinds[k] >= n for k, n in MINIMUM[split].items()), kinds
    types = {e["type"] for r in held for e in r["entities"]}
    assert {"NAME", "ADDRESS", "ID", "PHONE", "EMAIL"} <= types
    assert {r["language"] for r in held} == {"fr", "en"}


@pytest.mark.parametrize(
    "split",
    [
        "heldout4", "heldout5", "heldout6", "heldout7", "heldout8", "heldout9", "heldout10",
        "heldout11", "heldout12", "heldout13", "heldout14", "heldout15", "heldout16", "heldout17",
        "heldout18", "heldout19", "heldout20", "heldout21",
    ],
)  # fmt: skip
def test_the_split_has_cards_ibans_balanced_languages_and_several_tenants(split) -> None:
    held = _held(split)
    assert {"CARD", "IBAN"} <= {e["type"] for r in held for e in r["entities"]}
    per_language = {lang: sum(r["language"] == lang for r in held) for lang in ("fr", "en")}
    assert min(per_language.values()) >= 0.45 * len(held), per_language
    tenants = {(r["language"], r["tenant"]) for r in held}
    assert sum(lang == "fr" for lang, _ in tenants) >= 3
    assert sum(lang == "en" for lang, _ in tenants) >= 3
    assert any(not r["id_patterns"] and r["kind"] == "ID" for r in held)


@pytest.mark.parametrize("split", SPLITS)
def test_people_streets_tenants_and_sentences_never_occur_in_the_other_splits(split) -> None:
    tenants = {r["tenant"] for r in _held(split)}
    texts = {r["text"] for r in _held(split)}
    assert STREETS[split] <= _words(split, "ADDRESS")
    for other in APART[split]:
        assert not _words(split, "NAME") & _words(other, "NAME"), other
        assert not tenants & {r["tenant"] for r in _held(other)}, other
        assert not texts & {r["text"] for r in _held(other)}, other
        assert not STREETS[split] & _words(other, "ADDRESS"), other


def _pii_accuracy_set(name: str) -> set[str]:
    """A set assigned at the top of bench/pii_accuracy.py, parsed, not imported: importing it
    would load the recognizers."""
    tree = ast.parse((REPO_ROOT / "bench" / "pii_accuracy.py").read_text(encoding="utf-8"))
    value = next(
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    )
    return ast.literal_eval(value)


def test_pii_accuracy_reads_the_blind_splits_only_when_named() -> None:
    assert set(SPLITS) <= _pii_accuracy_set("ON_REQUEST")


def test_pii_accuracy_lists_errors_of_every_former_blind_split() -> None:
    # Each blind split joins READABLE (its errors listed) only once it was read blind and became a
    # tuning split: heldout3 to heldout19 have (heldout19 last, after the sixteenth recall round);
    # heldout20 and heldout21, not read yet, have not.
    assert _pii_accuracy_set("READABLE") & set(SPLITS) == set(SPLITS) - {"heldout20", "heldout21"}
